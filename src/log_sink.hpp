// Where the units of the transport write their log lines: the user's logger
// and its level. A line below the level is never built (log(level, [&] { ...
// })), and a throwing logger cannot take the client down.
#pragma once

#include <concepts>
#include <string_view>
#include <utility>

#include "mesoshttp/config.hpp"

namespace mesoshttp::detail {

struct log_sink {
  logger write;  // empty: nothing is logged
  log_level min_level = log_level::info;

  bool logs(log_level level) const noexcept { return write && level >= min_level; }

  void operator()(log_level level, std::string_view text) const {
    if (!logs(level)) return;
    try {
      write(level, text);
    } catch (...) {
      // A throwing logger must not take the client down.
    }
  }

  template <std::invocable F>
  void operator()(log_level level, F&& make_text) const {
    if (logs(level)) (*this)(level, std::string_view(std::forward<F>(make_text)()));
  }
};

}  // namespace mesoshttp::detail
