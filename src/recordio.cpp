#include "mesoshttp/recordio.hpp"

#include <limits>

#include "mesoshttp/error.hpp"

namespace mesoshttp::recordio {

void encode(std::string_view record, std::string& out) {
  out += std::to_string(record.size());
  out += '\n';
  out.append(record.data(), record.size());
}

std::string encode(std::string_view record) {
  std::string out;
  out.reserve(record.size() + 21);
  encode(record, out);
  return out;
}

std::size_t decoder::parse_length(std::string_view bytes) {
  std::size_t used = 0;
  while (used < bytes.size()) {
    const char c = bytes[used++];
    if (c == '\n') {
      if (length_digits_ == 0) {
        error_ = error::recordio_bad_length;  // an empty length
      } else if (length_ == 0) {
        error_ = error::recordio_zero_length;
      } else if (length_ > max_record_size_) {
        error_ = error::recordio_record_too_large;
      } else {
        state_ = state::body;
      }
      length_digits_ = 0;
      return used;
    }
    if (c < '0' || c > '9') {
      error_ = error::recordio_bad_length;
      return used;
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    if (length_ > (max - digit) / 10) {
      error_ = error::recordio_length_overflow;
      return used;
    }
    length_ = length_ * 10 + digit;
    ++length_digits_;
    // Reject an oversized record as soon as its length says so, without
    // waiting for the newline (or for gigabytes of body).
    if (length_ > max_record_size_) {
      error_ = error::recordio_record_too_large;
      return used;
    }
  }
  return used;
}

std::error_code decoder::finish() const noexcept {
  if (error_) return error_;
  if (state_ == state::body || length_digits_ != 0) return error::recordio_truncated;
  return {};
}

}  // namespace mesoshttp::recordio
