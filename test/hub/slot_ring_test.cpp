// The hub's ring without the hub: sequence numbers, chunks that stay put
// while a slot is held, and chunks reused instead of freed.
#include "hub/slot_ring.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace mesoshttp::hub {
namespace {

struct slot {
  int value = -1;
  unsigned readers_left = 0;
  std::shared_ptr<int> payload;
};

using ring = slot_ring<slot>;

TEST(SlotRingTest, SlotsAreFoundByTheirSequenceNumberAcrossChunks) {
  ring r;
  const int n = static_cast<int>(ring::chunk_size) * 3 + 5;
  for (int i = 0; i < n; ++i) r.push_back(slot{i, 1, nullptr});
  EXPECT_EQ(r.base(), 0u);
  EXPECT_EQ(r.head(), static_cast<std::uint64_t>(n));
  EXPECT_EQ(r.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) EXPECT_EQ(r[static_cast<std::uint64_t>(i)].value, i);
  for (int i = 0; i < 70; ++i) {
    EXPECT_EQ(r.front().value, i);
    r.pop_front();
  }
  EXPECT_EQ(r.base(), 70u);
  for (int i = 70; i < n; ++i) EXPECT_EQ(r[static_cast<std::uint64_t>(i)].value, i);
}

TEST(SlotRingTest, AHeldSlotKeepsItsAddressWhileOthersComeAndGo) {
  ring r;
  r.push_back(slot{0, 1, nullptr});
  r.push_back(slot{1, 1, nullptr});
  slot* held = &r[1];
  r.pop_front();
  // Many chunks pushed and popped behind and after it: it stays.
  for (int i = 2; i < 1000; ++i) r.push_back(slot{i, 1, nullptr});
  EXPECT_EQ(&r[1], held);
  EXPECT_EQ(held->value, 1);
}

TEST(SlotRingTest, ASteadyFloodReusesItsChunks) {
  ring r;
  // Four chunks' worth held at a time, for many rounds.
  for (int round = 0; round < 100; ++round) {
    for (std::size_t i = 0; i < ring::chunk_size * 4; ++i) r.push_back(slot{0, 1, nullptr});
    while (r.size() > ring::chunk_size) r.pop_front();
  }
  EXPECT_LE(r.chunks_allocated(), 6u);
  // Emptied and filled again: still no new chunk.
  while (!r.empty()) r.pop_front();
  const auto before = r.chunks_allocated();
  for (std::size_t i = 0; i < ring::chunk_size * 4; ++i) r.push_back(slot{0, 1, nullptr});
  EXPECT_EQ(r.chunks_allocated(), before);
}

TEST(SlotRingTest, ADroppedSlotLetsGoOfItsItemAtOnce) {
  ring r;
  auto payload = std::make_shared<int>(1);
  r.push_back(slot{0, 1, payload});
  r.push_back(slot{1, 1, nullptr});
  EXPECT_EQ(payload.use_count(), 2);
  r.pop_front();  // its chunk stays (the second slot is held), its item does not
  EXPECT_EQ(payload.use_count(), 1);
}

TEST(SlotRingTest, SkippingOnAnEmptyRingMovesBothEnds) {
  ring r;
  r.skip();
  r.skip();
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.base(), 2u);
  r.push_back(slot{7, 1, nullptr});
  EXPECT_EQ(r[2].value, 7);
}

TEST(SlotRingTest, SkippingBehindAHeldSlotLeavesAnEmptySlotDroppedWithIt) {
  ring r;
  r.push_back(slot{0, 1, nullptr});  // still held by a reader
  r.skip();
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].readers_left, 0u);
  r.push_back(slot{2, 1, nullptr});
  EXPECT_EQ(r[2].value, 2);
  r.pop_front();
  r.pop_front();
  EXPECT_EQ(r.front().value, 2);
}

}  // namespace
}  // namespace mesoshttp::hub
