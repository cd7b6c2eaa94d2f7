#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

#include <functional>

namespace Llamadesk
{
// One action a notice offers: the button's label and what it does. The callback is bound to the
// situation the notice was made for (the clip, the port, the conversation), so a later notice
// cannot make an earlier button act on something else.
struct NoticeAction
{
    QString label;
    std::function<void()> run;
};

// Something the user should know about and can often fix: shown by the widgets in a banner,
// decided by the controllers. topic groups notices that a later event withdraws (a server problem
// is over once it runs; the restart offer goes when the settings are back to what runs).
struct Notice
{
    enum class Level { Info, Warning, Error };
    enum class Topic { General, Server, RestartNeeded, Settings, Voice, Delete };

    Level level = Level::Info;
    QString text;
    QList<NoticeAction> actions; // at most two are shown
    Topic topic = Topic::General;
};
} // namespace Llamadesk

Q_DECLARE_METATYPE(Llamadesk::Notice)
