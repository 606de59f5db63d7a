// RecordIO, the framing of the SUBSCRIBE stream: each record is its length in
// decimal ASCII, a newline, then that many bytes ("<length>\n<bytes>").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace mesoshttp::recordio {

// Default cap on one record. A real OFFERS event for thousands of agents is a
// few MiB; the cap exists so a confused or hostile master cannot make us
// allocate without bound.
inline constexpr std::size_t default_max_record_size = 64u * 1024u * 1024u;

// Appends one framed record to `out`.
void encode(std::string_view record, std::string& out);
std::string encode(std::string_view record);

// Incremental, sans-I/O decoder. Feed it bytes as they arrive, split anywhere;
// it hands out each complete record once, in order.
//
// Copies: a record that lies wholly inside one fed chunk is handed out as a
// view into that chunk (no copy). A record split across chunks is copied once,
// into a buffer reserved to its exact length. After an error the decoder stays
// failed and consumes nothing more: the stream cannot be resynchronised.
class decoder {
 public:
  explicit decoder(std::size_t max_record_size = default_max_record_size) noexcept
      : max_record_size_(max_record_size) {}

  // Decodes `bytes`, calling `on_record(std::string_view)` for every record
  // completed by them. The view is valid only during the call. Returns the
  // first framing error, if any; records before it are still delivered.
  template <class OnRecord>
  std::error_code feed(std::string_view bytes, OnRecord&& on_record);

  // The end of the stream: an error if it ended inside a record (or a length).
  std::error_code finish() const noexcept;

  bool failed() const noexcept { return static_cast<bool>(error_); }
  std::error_code error() const noexcept { return error_; }
  std::size_t max_record_size() const noexcept { return max_record_size_; }
  // True between records: nothing of a record or its length has been seen.
  bool at_record_boundary() const noexcept { return state_ == state::length && !length_digits_; }
  // Total records delivered so far.
  std::uint64_t records() const noexcept { return records_; }

 private:
  enum class state { length, body };

  // Consumes length bytes from the front of `bytes`; returns how many it used.
  std::size_t parse_length(std::string_view bytes);

  std::size_t max_record_size_;
  state state_ = state::length;
  std::uint64_t length_ = 0;
  std::size_t length_digits_ = 0;
  std::string partial_;  // a record split across chunks
  std::error_code error_;
  std::uint64_t records_ = 0;
};

template <class OnRecord>
std::error_code decoder::feed(std::string_view bytes, OnRecord&& on_record) {
  while (!bytes.empty() && !error_) {
    if (state_ == state::length) {
      bytes.remove_prefix(parse_length(bytes));
      continue;
    }
    const std::size_t wanted = static_cast<std::size_t>(length_) - partial_.size();
    if (partial_.empty() && bytes.size() >= wanted) {
      // The whole record is in this chunk: hand out a view, no copy.
      state_ = state::length;
      length_ = 0;
      ++records_;
      on_record(bytes.substr(0, wanted));
      bytes.remove_prefix(wanted);
      continue;
    }
    const std::size_t take = bytes.size() < wanted ? bytes.size() : wanted;
    if (partial_.empty()) partial_.reserve(static_cast<std::size_t>(length_));
    partial_.append(bytes.data(), take);
    bytes.remove_prefix(take);
    if (partial_.size() == length_) {
      state_ = state::length;
      length_ = 0;
      ++records_;
      on_record(std::string_view(partial_));
      partial_.clear();
      // Do not keep a huge buffer alive for the rest of a long stream.
      if (partial_.capacity() > 1024u * 1024u) std::string().swap(partial_);
    }
  }
  return error_;
}

}  // namespace mesoshttp::recordio
