// Must NOT link: the QtWidgets headers are reachable through the Qt include root, but
// llamadesk_core does not link Qt6::Widgets. Layering.CoreCannotLinkWidgets.
#include <QtWidgets/QWidget>

int main()
{
    QWidget widget;
    return 0;
}
