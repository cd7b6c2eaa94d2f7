# Layering.IncludesFollowTheLayers: every library's headers are included by their path under src/
# ("core/chat/chatstore.h", "ui/chat/messagelayout.h"), so an include says which library it
# reaches into, and this scan holds each folder to the libraries below it:
#   - core/ includes only core/;
#   - audio/, image/, platform/ include core/ and themselves;
#   - application/ (no widgets) includes neither ui/ nor app/;
#   - ui/ reaches the core services the application layer wraps (ChatStore, ChatSession,
#     ChatClient, ServerSupervisor) only through the controllers; value types
#     (core/chat/chatrecords.h, core/server/serverstate.h, …) are fine.
# Run as: cmake -DSOURCE_DIR=<repository> -P check_includes.cmake
set(include_line "^[ \t]*#[ \t]*include[ \t]*\"")
# folder | what its files may not include (a regex on the quoted path)
set(rules
    "core|(application|app|audio|image|platform|ui)/"
    "audio|(application|app|image|platform|ui)/"
    "image|(application|app|audio|platform|ui)/"
    "platform|(application|app|audio|image|ui)/"
    "application|(app|ui)/"
    "ui|app/|core/chat/chatstore\\.h|core/chat/chatsession\\.h|core/chat/chatclient\\.h|core/server/serversupervisor\\.h")
set(offenders)
set(total 0)
foreach(rule IN LISTS rules)
    string(FIND "${rule}" "|" bar)
    string(SUBSTRING "${rule}" 0 ${bar} folder)
    math(EXPR start "${bar} + 1")
    string(SUBSTRING "${rule}" ${start} -1 forbidden)
    file(GLOB_RECURSE sources "${SOURCE_DIR}/src/${folder}/*.h" "${SOURCE_DIR}/src/${folder}/*.cpp")
    list(LENGTH sources count)
    math(EXPR total "${total} + ${count}")
    foreach(source IN LISTS sources)
        file(STRINGS "${source}" lines REGEX "${include_line}(${forbidden})")
        foreach(line IN LISTS lines)
            file(RELATIVE_PATH relative "${SOURCE_DIR}" "${source}")
            list(APPEND offenders "${relative}: ${line}")
        endforeach()
    endforeach()
endforeach()
if(total EQUAL 0)
    message(FATAL_ERROR "no sources found under ${SOURCE_DIR}/src")
endif()
if(offenders)
    list(JOIN offenders "\n  " text)
    message(FATAL_ERROR "includes against the layers (widgets use the controllers in src/application; "
                        "a library includes only those below it):\n  ${text}")
endif()
message(STATUS "checked ${total} files under src/: every include follows the layers")
