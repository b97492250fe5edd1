# The libFuzzer executables (FASTERAPI_FUZZ=ON, clang only; tox -e fuzz): one per target in
# targets.hpp, each linking only the core sources its harness reaches, built with -O1 and
# ASan+UBSan so a short run finds memory and undefined-behaviour bugs too.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "FASTERAPI_FUZZ needs clang (configure with CXX=clang++)")
endif()

set(FASTERAPI_FUZZ_TARGETS ndjson_framer sse_parser jsonrpc_envelope jwt http_request)

add_library(fasterapi_fuzz_core STATIC
  cpp/src/common/json_impl.cpp
  cpp/src/protocol/ndjson_framer.cpp
  cpp/src/protocol/sse_parser.cpp
  cpp/src/protocol/answer_skim.cpp
  cpp/src/protocol/request_skim.cpp
  cpp/src/protocol/jsonrpc.cpp
  cpp/src/protocol/meta.cpp
  cpp/src/policy/base64url.cpp
  cpp/src/policy/strict_json.cpp
  cpp/src/policy/jwt_keys.cpp
  cpp/src/policy/jwt.cpp
  cpp/src/transport/http_request.cpp
  cpp/src/proxy/http_request_check.cpp
)
target_include_directories(fasterapi_fuzz_core PUBLIC cpp/include cpp/src cpp/fuzz)
target_include_directories(fasterapi_fuzz_core SYSTEM PUBLIC "${BOOST_HEADERS_INCLUDE}")
target_compile_definitions(fasterapi_fuzz_core PUBLIC
  BOOST_JSON_NO_LIB BOOST_CONTAINER_NO_LIB BOOST_ASIO_NO_DEPRECATED BOOST_ALL_NO_LIB)
# The core's code and the harnesses are instrumented for coverage; Boost's headers with them.
target_compile_options(fasterapi_fuzz_core PUBLIC
  -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined)
target_link_libraries(fasterapi_fuzz_core PUBLIC OpenSSL::Crypto)

foreach(target IN LISTS FASTERAPI_FUZZ_TARGETS)
  add_executable(fuzz_${target} cpp/fuzz/${target}.cpp cpp/fuzz/libfuzzer_driver.cpp)
  target_compile_definitions(fuzz_${target} PRIVATE FASTERAPI_FUZZ_TARGET=${target})
  target_link_libraries(fuzz_${target} PRIVATE fasterapi_fuzz_core)
  target_link_options(fuzz_${target} PRIVATE -fsanitize=fuzzer,address,undefined)
endforeach()
