#include "mesoshttp/recordio.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "mesoshttp/error.hpp"

namespace {

using mesoshttp::error;
using mesoshttp::recordio::decoder;

std::vector<std::string> sample_records() {
  return {"a", "hello world", std::string(300, 'x'), std::string("\0\n\r9\n", 5), "12\n", "z"};
}

std::string frame_all(const std::vector<std::string>& records) {
  std::string stream;
  for (const auto& r : records) mesoshttp::recordio::encode(r, stream);
  return stream;
}

// Feeds `stream` in pieces cut at `cuts` (sorted offsets) and collects records.
std::vector<std::string> decode_in_pieces(const std::string& stream, const std::vector<size_t>& cuts,
                                          std::error_code& ec) {
  decoder d;
  std::vector<std::string> out;
  size_t start = 0;
  auto feed_to = [&](size_t end) {
    ec = d.feed(std::string_view(stream).substr(start, end - start), [&](std::string_view r) { out.emplace_back(r); });
    start = end;
  };
  for (size_t c : cuts) {
    feed_to(c);
    if (ec) return out;
  }
  feed_to(stream.size());
  if (!ec) ec = d.finish();
  return out;
}

TEST(RecordIO, EncodesLengthNewlineBytes) {
  EXPECT_EQ(mesoshttp::recordio::encode("hello"), "5\nhello");
  std::string out = "x";
  mesoshttp::recordio::encode(std::string(12, 'a'), out);
  EXPECT_EQ(out, "x12\naaaaaaaaaaaa");
}

TEST(RecordIO, EverySingleSplitPointGivesTheSameRecords) {
  const auto records = sample_records();
  const std::string stream = frame_all(records);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    std::error_code ec;
    auto out = decode_in_pieces(stream, {cut}, ec);
    ASSERT_FALSE(ec) << "cut at " << cut << ": " << ec.message();
    ASSERT_EQ(out, records) << "cut at " << cut;
  }
}

TEST(RecordIO, EveryPairOfSplitPointsGivesTheSameRecords) {
  const auto records = sample_records();
  const std::string stream = frame_all(records);
  for (size_t a = 0; a <= stream.size(); ++a) {
    for (size_t b = a; b <= stream.size(); b += 7) {
      std::error_code ec;
      auto out = decode_in_pieces(stream, {a, b}, ec);
      ASSERT_FALSE(ec) << a << "," << b;
      ASSERT_EQ(out, records) << a << "," << b;
    }
  }
}

TEST(RecordIO, ByteAtATime) {
  const auto records = sample_records();
  const std::string stream = frame_all(records);
  std::vector<size_t> cuts;
  for (size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
  std::error_code ec;
  EXPECT_EQ(decode_in_pieces(stream, cuts, ec), records);
  EXPECT_FALSE(ec);
}

TEST(RecordIO, WholeRecordsInOneChunkAreViewsIntoTheInput) {
  const std::string stream = frame_all({"abc", "defg"});
  decoder d;
  std::vector<const char*> pointers;
  ASSERT_FALSE(d.feed(stream, [&](std::string_view r) { pointers.push_back(r.data()); }));
  ASSERT_EQ(pointers.size(), 2u);
  EXPECT_EQ(pointers[0], stream.data() + 2);
  EXPECT_EQ(pointers[1], stream.data() + 2 + 3 + 2);
  EXPECT_EQ(d.records(), 2u);
  EXPECT_TRUE(d.at_record_boundary());
}

TEST(RecordIO, NonDigitInLength) {
  for (std::string bad : {"1x\nab", "-1\na", " 1\na", "1 \na", "\na", "1\r\na"}) {
    decoder d;
    int delivered = 0;
    auto ec = d.feed(bad, [&](std::string_view) { ++delivered; });
    EXPECT_EQ(ec, error::recordio_bad_length) << bad;
    EXPECT_EQ(delivered, 0);
    EXPECT_TRUE(d.failed());
  }
}

TEST(RecordIO, RecordsBeforeAnErrorAreDeliveredAndNothingAfter) {
  decoder d;
  std::vector<std::string> out;
  auto ec = d.feed("2\nok1\nzq\n1\nb", [&](std::string_view r) { out.emplace_back(r); });
  EXPECT_EQ(ec, error::recordio_bad_length);  // "zq" is no length
  EXPECT_EQ(out, (std::vector<std::string>{"ok", "z"}));
  // Once failed, further input is refused with the same error.
  EXPECT_EQ(d.feed("1\na", [&](std::string_view r) { out.emplace_back(r); }), error::recordio_bad_length);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(d.finish(), error::recordio_bad_length);
}

TEST(RecordIO, LengthOverflowingUint64) {
  decoder d(std::numeric_limits<std::size_t>::max());
  // 2^64 = 18446744073709551616
  auto ec = d.feed("18446744073709551616\n", [](std::string_view) { FAIL(); });
  EXPECT_EQ(ec, error::recordio_length_overflow);
  decoder d2(std::numeric_limits<std::size_t>::max());
  EXPECT_EQ(d2.feed("99999999999999999999999999", [](std::string_view) { FAIL(); }), error::recordio_length_overflow);
}

TEST(RecordIO, ZeroLength) {
  decoder d;
  EXPECT_EQ(d.feed("0\n", [](std::string_view) { FAIL(); }), error::recordio_zero_length);
  decoder d2;
  EXPECT_EQ(d2.feed("000\n", [](std::string_view) { FAIL(); }), error::recordio_zero_length);
}

TEST(RecordIO, RecordOverTheMaximumIsRefusedFromItsLengthAlone) {
  decoder d(100);
  EXPECT_FALSE(d.feed("100\n", [](std::string_view) {}));
  decoder d2(100);
  // Rejected as soon as the digits exceed the maximum, before any newline.
  EXPECT_EQ(d2.feed("101", [](std::string_view) { FAIL(); }), error::recordio_record_too_large);
  decoder d3(100);
  EXPECT_EQ(d3.feed("1000000000000000", [](std::string_view) { FAIL(); }), error::recordio_record_too_large);
}

TEST(RecordIO, StreamEndingInsideARecord) {
  decoder d;
  EXPECT_FALSE(d.feed("5\nabc", [](std::string_view) { FAIL(); }));
  EXPECT_EQ(d.finish(), error::recordio_truncated);
  decoder d2;
  EXPECT_FALSE(d2.feed("5", [](std::string_view) {}));
  EXPECT_EQ(d2.finish(), error::recordio_truncated);
  decoder d3;
  EXPECT_FALSE(d3.feed("5\n", [](std::string_view) {}));
  EXPECT_EQ(d3.finish(), error::recordio_truncated);
  decoder d4;
  EXPECT_FALSE(d4.feed("1\na", [](std::string_view) {}));
  EXPECT_FALSE(d4.finish());
}

TEST(RecordIO, VeryLargeRecordsSplitIntoManyChunks) {
  std::string big(32u * 1024u * 1024u, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7919u);
  std::string stream = frame_all({"first", big, "last"});
  decoder d;
  std::vector<std::string> out;
  const size_t chunk = 65536 + 3;  // deliberately not aligned to anything
  for (size_t off = 0; off < stream.size(); off += chunk) {
    ASSERT_FALSE(d.feed(std::string_view(stream).substr(off, chunk), [&](std::string_view r) { out.emplace_back(r); }));
  }
  ASSERT_FALSE(d.finish());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], "first");
  EXPECT_TRUE(out[1] == big);
  EXPECT_EQ(out[2], "last");
}

TEST(RecordIO, LargeRecordAtTheExactMaximum) {
  const size_t max = 1u << 20;
  std::string rec(max, 'q');
  decoder d(max);
  size_t got = 0;
  EXPECT_FALSE(d.feed(frame_all({rec}), [&](std::string_view r) { got = r.size(); }));
  EXPECT_EQ(got, max);
}

}  // namespace
