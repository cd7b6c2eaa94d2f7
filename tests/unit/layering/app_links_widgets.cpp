// Must NOT link: llamadesk_app does not link Qt6::Widgets, so a controller cannot reach for a
// widget through the Qt include root either. Layering.AppCannotLinkWidgets.
#include <QtWidgets/QWidget>

int main()
{
    QWidget widget;
    return 0;
}
