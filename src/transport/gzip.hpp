// gzip-compressed answers (Content-Encoding: gzip). A real master compresses
// every non-streaming answer of 1024 bytes or more when the request allows it
// (operator-answers.md): GET_STATE and GET_METRICS shrink several times over.
#pragma once

#include <string>
#include <string_view>

namespace mesoshttp::detail {

// Inflates a gzip member into `out` (replaced). Returns empty on success,
// else why it cannot be read (truncated, corrupt, not gzip); `out` is then
// unspecified.
std::string gunzip(std::string_view compressed, std::string& out);

}  // namespace mesoshttp::detail
