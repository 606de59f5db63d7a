// Real offers carry the deprecated Resource.role, and protobuf's text parser
// logs a warning for each use, which buries the test output. Including this
// header in a test binary drops exactly those warnings; other messages still
// go to stderr.
#pragma once

#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <string>

namespace mesoshttp::test {

inline const bool quiet_deprecation_warnings = [] {
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel level, const char* file, int line, const std::string& message) {
        if (level == google::protobuf::LOGLEVEL_WARNING && message.find("deprecated field") != std::string::npos)
          return;
        std::fprintf(stderr, "[libprotobuf %d %s:%d] %s\n", static_cast<int>(level), file, line, message.c_str());
      });
  return true;
}();

}  // namespace mesoshttp::test
