// Splits a fuzzer's input into a few control values and the payload, so one
// input drives both the bytes and the way they arrive (chunking).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mesoshttp::fuzz {

class input {
 public:
  input(const std::uint8_t* data, std::size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Cuts `bytes` into pieces whose sizes cycle through `sizes` (1..256 each),
// as reads from a socket would.
template <class F>
void for_each_piece(std::string_view bytes, const std::uint8_t* sizes, std::size_t n_sizes, F&& f) {
  std::size_t i = 0;
  while (!bytes.empty()) {
    const std::size_t n = n_sizes ? static_cast<std::size_t>(sizes[i++ % n_sizes]) + 1 : bytes.size();
    const auto piece = bytes.substr(0, n);
    bytes.remove_prefix(piece.size());
    f(piece);
  }
}

}  // namespace mesoshttp::fuzz
