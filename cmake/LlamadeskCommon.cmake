# One INTERFACE target carries the language standard, warnings and Qt defines for every
# target of the project (qBittorrent's CommonConfig.cmake is the model).
add_library(llamadesk_common INTERFACE)
add_library(Llamadesk::common ALIAS llamadesk_common)

target_compile_features(llamadesk_common INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)

target_compile_definitions(llamadesk_common INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CAST_FROM_BYTEARRAY
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_NO_CONTEXTLESS_CONNECT
    QT_NO_FOREACH
    QT_NO_KEYWORDS
    QT_USE_QSTRINGBUILDER
    QT_STRICT_ITERATORS
    QT_DISABLE_DEPRECATED_UP_TO=0x060400
    LLAMADESK_VERSION="${PROJECT_VERSION}"
    $<$<CONFIG:Release>:QT_NO_DEBUG_OUTPUT>
)

if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(llamadesk_common INTERFACE
        -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
        -Wcast-align -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough
        -Wno-missing-field-initializers)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        target_compile_options(llamadesk_common INTERFACE -Wduplicated-cond -Wlogical-op)
    endif()
elseif(MSVC)
    target_compile_options(llamadesk_common INTERFACE /W4 /permissive- /utf-8)
endif()

if(LLAMADESK_SANITIZE)
    target_compile_options(llamadesk_common INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(llamadesk_common INTERFACE -fsanitize=address,undefined)
endif()

# With the fuzzers on, every target is compiled with libFuzzer's coverage instrumentation (not
# its main), so that the fuzzers see which branches of llamadesk_core their inputs reach.
if(LLAMADESK_FUZZ)
    target_compile_options(llamadesk_common INTERFACE -fsanitize=fuzzer-no-link,address,undefined)
    target_link_options(llamadesk_common INTERFACE -fsanitize=address,undefined)
endif()
