# Layering.UiReachesCoreServicesOnlyThroughControllers: nothing under src/ui includes the headers
# of the core services the application layer wraps (ChatStore, ChatSession, ChatClient,
# ServerSupervisor); widgets reach them through llamadesk_app's controllers. Value types
# (chat/chatrecords.h, server/serverstate.h, chat/messageattachment.h) are fine.
# Run as: cmake -DSOURCE_DIR=<repository> -P check_ui_includes.cmake
set(forbidden "chat/chatstore\\.h|chat/chatsession\\.h|chat/chatclient\\.h|server/serversupervisor\\.h")
file(GLOB_RECURSE sources "${SOURCE_DIR}/src/ui/*.h" "${SOURCE_DIR}/src/ui/*.cpp")
list(LENGTH sources count)
if(count EQUAL 0)
    message(FATAL_ERROR "no sources found under ${SOURCE_DIR}/src/ui")
endif()
set(offenders)
foreach(source IN LISTS sources)
    file(STRINGS "${source}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<](${forbidden})[\">]")
    foreach(line IN LISTS lines)
        file(RELATIVE_PATH relative "${SOURCE_DIR}" "${source}")
        list(APPEND offenders "${relative}: ${line}")
    endforeach()
endforeach()
if(offenders)
    list(JOIN offenders "\n  " text)
    message(FATAL_ERROR "widgets include core services directly (use the controllers in src/application):\n  ${text}")
endif()
message(STATUS "checked ${count} files under src/ui: none includes ChatStore, ChatSession, ChatClient or ServerSupervisor")
