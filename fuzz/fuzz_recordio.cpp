// RecordIO decoder: arbitrary bytes, arbitrarily chunked, must give the same
// records and the same error as the same bytes fed at once; a record limit
// from the input exercises the size check.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "mesoshttp/recordio.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mesoshttp::fuzz::input in(data, size);
  const std::size_t limit = 1 + in.byte() * 64u;
  std::uint8_t sizes[4];
  for (auto& s : sizes) s = in.byte();
  const auto bytes = in.rest();

  std::vector<std::string> whole_records;
  mesoshttp::recordio::decoder whole(limit);
  const auto whole_error = whole.feed(bytes, [&](std::string_view r) { whole_records.emplace_back(r); });

  std::vector<std::string> pieced_records;
  mesoshttp::recordio::decoder pieced(limit);
  std::error_code pieced_error;
  mesoshttp::fuzz::for_each_piece(bytes, sizes, 4, [&](std::string_view piece) {
    const auto ec = pieced.feed(piece, [&](std::string_view r) { pieced_records.emplace_back(r); });
    if (ec && !pieced_error) pieced_error = ec;
  });

  if (whole_records != pieced_records || whole_error != pieced_error) std::abort();
  for (const auto& r : whole_records)
    if (r.empty() || r.size() > limit) std::abort();
  // Every record came out of the input: its bytes and at least "<digit>\n"
  // each. (Not a byte-exact re-encoding: lengths with leading zeros, e.g.
  // "06\n", are accepted and re-encode shorter.)
  std::size_t used = 0;
  for (const auto& r : whole_records) used += r.size() + 2;
  if (used > bytes.size()) std::abort();
  if (!whole_error && whole.finish() && whole.at_record_boundary()) std::abort();
  return 0;
}
