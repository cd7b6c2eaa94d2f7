// The baseline for bench_idle_memory: an empty Qt Widgets main window, nothing else.
#include <QApplication>
#include <QMainWindow>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QMainWindow window;
    window.resize(900, 640);
    window.show();
    return QApplication::exec();
}
