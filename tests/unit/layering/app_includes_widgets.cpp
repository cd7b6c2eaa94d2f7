// Must NOT compile: llamadesk_app (the controllers, the App composition root) has no Widgets
// include path. Layering.AppCannotIncludeWidgets.
#include <QWidget>

int main()
{
    QWidget widget;
    return 0;
}
