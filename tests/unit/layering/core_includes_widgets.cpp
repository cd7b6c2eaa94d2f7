// Must NOT compile: llamadesk_core has no Widgets include path. Layering.CoreCannotIncludeWidgets.
#include <QWidget>

int main()
{
    QWidget widget;
    return 0;
}
