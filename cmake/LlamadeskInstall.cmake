# Install rules: the executable, and on freedesktop.org systems the menu entry, the scalable icon and the
# AppStream metadata, so that `cmake --install build/release --prefix ~/.local` gives a menu entry.
# Included from the top-level CMakeLists.txt after GNUInstallDirs and after the `llamadesk` target exists.

install(TARGETS llamadesk RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

if(UNIX AND NOT APPLE)
    install(FILES "${PROJECT_SOURCE_DIR}/resources/llamadesk.desktop"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/applications")
    install(FILES "${PROJECT_SOURCE_DIR}/resources/icons/llamadesk.svg"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps")
    install(FILES "${PROJECT_SOURCE_DIR}/resources/llamadesk.metainfo.xml"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo")
endif()
