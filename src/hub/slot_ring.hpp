// The hub's ring: items by sequence number, in chunks that are reused.
//
// Why not a std::deque: for an item of about 170 bytes, libstdc++'s deque
// allocates a node per 2 elements, so the publisher allocated and a reader
// (another thread) freed memory every other event, and a free from a thread
// that did not allocate takes the allocator's lock that the publisher needs
// for its next allocation. Here a chunk of `chunk_size` slots that every
// reader is done with goes back to a spare list and is filled again: in a
// steady flood nothing is allocated or freed.
//
// Not thread-safe: the hub calls it under its mutex. A slot's address stays
// put while the slot is held (chunks never move), so a reader may copy an
// item it claimed after letting go of the mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace mesoshttp::hub {

template <class Slot>
class slot_ring {
 public:
  static constexpr std::size_t chunk_size = 64;
  // Spare chunks kept for reuse; beyond that a freed chunk goes back to the
  // allocator, so a burst does not pin its peak for ever.
  static constexpr std::size_t max_spare = 32;

  // Sequence number of the first slot held, and of the next one pushed.
  std::uint64_t base() const noexcept { return base_; }
  std::uint64_t head() const noexcept { return head_; }
  std::size_t size() const noexcept { return static_cast<std::size_t>(head_ - base_); }
  bool empty() const noexcept { return head_ == base_; }
  // Chunks ever allocated (for tests: a steady flood allocates no more).
  std::size_t chunks_allocated() const noexcept { return allocated_; }

  // base() <= seq < head().
  Slot& operator[](std::uint64_t seq) noexcept {
    const auto offset = static_cast<std::size_t>(seq - chunk_base_);
    return chunks_[offset / chunk_size]->slots[offset % chunk_size];
  }

  Slot& front() noexcept { return (*this)[base_]; }

  // The new last slot, to be filled in place (its item is empty: a new
  // chunk's, or reset by pop_front).
  Slot& push_back() {
    const auto offset = static_cast<std::size_t>(head_ - chunk_base_);
    if (offset == chunks_.size() * chunk_size) chunks_.push_back(take_spare());
    ++head_;
    return chunks_[offset / chunk_size]->slots[offset % chunk_size];
  }
  void push_back(Slot&& slot) { push_back() = std::move(slot); }

  // A sequence number nobody is there to read. Behind slots still held (a
  // detached reader still copying its claim) it is an empty slot, dropped
  // with them.
  void skip() {
    if (!empty()) {
      push_back() = Slot{};
      return;
    }
    // An empty ring holds no chunk (pop_front gave them back): only the
    // numbering moves on.
    ++base_;
    ++head_;
    chunk_base_ = base_;
  }

  // Drops the first slot, and with it what its item still holds (readers
  // that all copied it leave it whole): a reused chunk must not keep an
  // event alive.
  void pop_front() {
    front() = Slot{};
    ++base_;
    if (base_ == head_) {
      recycle_all();
      chunk_base_ = base_;
    } else if (base_ - chunk_base_ == chunk_size) {
      recycle(std::move(chunks_.front()));
      chunks_.pop_front();
      chunk_base_ += chunk_size;
    }
  }

 private:
  struct chunk {
    Slot slots[chunk_size];
  };

  std::unique_ptr<chunk> take_spare() {
    if (spare_.empty()) {
      ++allocated_;
      return std::make_unique<chunk>();
    }
    auto c = std::move(spare_.back());
    spare_.pop_back();
    return c;
  }

  void recycle(std::unique_ptr<chunk> c) {
    if (spare_.size() < max_spare) spare_.push_back(std::move(c));
  }

  void recycle_all() {
    while (!chunks_.empty()) {
      recycle(std::move(chunks_.back()));
      chunks_.pop_back();
    }
  }

  std::deque<std::unique_ptr<chunk>> chunks_;  // chunk k holds chunk_base_ + k * chunk_size ...
  std::vector<std::unique_ptr<chunk>> spare_;
  std::uint64_t chunk_base_ = 0;  // sequence number of chunks_.front()[0]
  std::uint64_t base_ = 0;
  std::uint64_t head_ = 0;
  std::size_t allocated_ = 0;
};

}  // namespace mesoshttp::hub
