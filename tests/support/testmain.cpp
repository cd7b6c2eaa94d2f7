// The main() of every test executable. gtest_discover_tests runs each binary with
// --gtest_list_tests while building, where there may be no display: the Qt application is
// created only when tests really run.
#include "testsupport.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#ifdef LLAMADESK_TEST_GUI
#include <QApplication>
#else
#include <QCoreApplication>
#endif

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    if (GTEST_FLAG_GET(list_tests))
        return RUN_ALL_TESTS();

#ifdef LLAMADESK_TEST_GUI
    if (!Llamadesk::TestSupport::haveDisplay() && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        if (Llamadesk::TestSupport::displayRequired()) {
            std::fprintf(stderr, "LLAMADESK_REQUIRE_DISPLAY=1 but DISPLAY is empty: no X server to test on\n");
            return 1;
        }
        // Widgets can still be exercised off screen; tests that need a real display skip.
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
#else
    QCoreApplication app(argc, argv);
#endif
    QCoreApplication::setApplicationName(QStringLiteral("llamadesk"));
    const int result = RUN_ALL_TESTS();
    if (Llamadesk::TestSupport::exitsWithoutTeardown()) {
        std::fflush(stdout);
        std::fflush(stderr);
        std::_Exit(result);
    }
    return result;
}
