#include "guitestsupport.h"

#include "testsupport.h"

#include <QGuiApplication>
#include <QPixmap>
#include <QScreen>
#include <QWidget>

namespace Llamadesk::TestSupport
{
namespace
{
QString save(const QPixmap &pixmap, const QString &name)
{
    if (pixmap.isNull())
        return {};
    const QString path = artifactsDir() + u'/' + name + u".png";
    return pixmap.save(path, "PNG") ? path : QString();
}
} // namespace

QString saveScreenshot(QWidget *widget, const QString &name)
{
    return save(widget->grab(), name);
}

QString saveScreenScreenshot(const QString &name)
{
    QScreen *screen = QGuiApplication::primaryScreen();
    return screen ? save(screen->grabWindow(0), name) : QString();
}
} // namespace Llamadesk::TestSupport
