// A decoded event's home: an empty message in an arena of its own, shared by
// every consumer and freed with the last one's copy. An event is many small
// messages (SUBSCRIBED of a large cluster, millions); an arena allocates them
// in a few blocks and frees them at once. For any API's event type.
//
// Freed on the thread that decoded it, when a recycler is given (events of up
// to max_recycled_wire_size; larger ones as before, below). A pull
// consumer lets go of events on its own thread; glibc then returns each block
// to the decoding thread's malloc arena under that arena's lock, which the
// decoding thread takes for every next event: profiled, nine in ten futex
// calls of a one-consumer flood were that lock, two per event. With a
// recycler the last reference hands the event back (one atomic exchange), and
// the client's strand frees a whole batch of them at once.
#pragma once

#include <google/protobuf/arena.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace mesoshttp::detail {

// Something an arena_recycler frees.
struct recyclable {
  virtual ~recyclable() = default;
  recyclable* next_retired = nullptr;
};

class arena_recycler : public std::enable_shared_from_this<arena_recycler> {
 public:
  using strand_type = boost::asio::strand<boost::asio::any_io_executor>;
  // `strand`: where retired events are freed (the client's). Held only until
  // close(): events may outlive the strand's io_context, and so this.
  explicit arena_recycler(strand_type strand) : strand_(std::move(strand)) {}
  arena_recycler(const arena_recycler&) = delete;
  arena_recycler& operator=(const arena_recycler&) = delete;
  ~arena_recycler() { free_list(retired_.exchange(closed_marker())); }

  // From any thread: frees `node` on the strand soon (one post per batch:
  // only a node that finds the list empty posts), or here and now once
  // closed. (An event let go of on the strand itself, a callback consumer's,
  // waits for the same post: asking the strand whether it runs here would
  // need the strand, which close() lets go of.)
  void retire(recyclable* node) {
    recyclable* head = retired_.load(std::memory_order_acquire);
    do {
      if (head == closed_marker()) {
        delete node;
        return;
      }
      node->next_retired = head;
    } while (!retired_.compare_exchange_weak(head, node, std::memory_order_release, std::memory_order_acquire));
    if (head == nullptr) schedule_reclaim();
  }

  // Frees what was retired so far. From any thread; normally the strand's.
  void reclaim() {
    recyclable* head = retired_.load(std::memory_order_acquire);
    do {
      if (head == closed_marker() || head == nullptr) return;
    } while (!retired_.compare_exchange_weak(head, nullptr, std::memory_order_acquire, std::memory_order_acquire));
    free_list(head);
  }

  // The executor may go away: what was retired is freed now, and what is
  // retired later is freed by the thread that lets go of it.
  void close() {
    {
      std::lock_guard lock(post_mutex_);
      strand_.reset();
    }
    free_list(retired_.exchange(closed_marker(), std::memory_order_acq_rel));
  }

  // Events waiting to be freed (for tests: it walks the list, so nothing may
  // reclaim or close meanwhile).
  std::size_t retired_count() const {
    std::size_t n = 0;
    for (auto* p = retired_.load(std::memory_order_acquire); p && p != closed_marker(); p = p->next_retired) ++n;
    return n;
  }

 private:
  static recyclable* closed_marker() noexcept {
    static recyclable marker;
    return &marker;
  }

  static void free_list(recyclable* head) {
    while (head && head != closed_marker()) delete std::exchange(head, head->next_retired);
  }

  void schedule_reclaim() {
    // Under the mutex: close() may come from the executor's owner, which
    // then destroys it; nothing is posted after that.
    std::lock_guard lock(post_mutex_);
    if (strand_) boost::asio::post(*strand_, [self = shared_from_this()] { self->reclaim(); });
  }

  std::atomic<recyclable*> retired_{nullptr};
  std::mutex post_mutex_;
  std::optional<strand_type> strand_;  // guarded by post_mutex_; none once closed
};

namespace arena_detail {

inline google::protobuf::ArenaOptions arena_options(std::size_t wire_size) {
  google::protobuf::ArenaOptions options;
  // Decoded messages take a few times their wire size; one block is enough
  // for most events, and small ones do not reserve much.
  options.start_block_size = std::clamp<std::size_t>(wire_size * 4, 256, 1u << 20);
  options.max_block_size = 4u << 20;
  return options;
}

// The arena, and room for the shared_ptr's control block, in one allocation.
struct holder final : recyclable {
  explicit holder(const google::protobuf::ArenaOptions& options, std::shared_ptr<arena_recycler> r)
      : arena(options), recycler(std::move(r)) {}
  google::protobuf::Arena arena;
  std::shared_ptr<arena_recycler> recycler;
  alignas(std::max_align_t) unsigned char control_block[64];
};

// The holder is destroyed when its control block is given back (after the
// last shared and weak reference): then nothing touches either any more.
struct keep_alive_deleter {
  void operator()(holder*) const noexcept {}
};

template <class T>
struct control_block_allocator {
  using value_type = T;
  holder* home;

  explicit control_block_allocator(holder* h) noexcept : home(h) {}
  template <class U>
  control_block_allocator(const control_block_allocator<U>& other) noexcept : home(other.home) {}

  T* allocate(std::size_t n) {
    if constexpr (sizeof(T) <= sizeof(holder::control_block) && alignof(T) <= alignof(std::max_align_t)) {
      if (n == 1) return reinterpret_cast<T*>(home->control_block);
    }
    return std::allocator<T>().allocate(n);
  }

  // The last thing the shared_ptr does with its control block: then the
  // holder goes too.
  void deallocate(T* p, std::size_t n) noexcept {
    if (reinterpret_cast<unsigned char*>(p) != home->control_block) std::allocator<T>().deallocate(p, n);
    holder* h = home;
    if (auto* recycler = h->recycler.get()) return recycler->retire(h);
    delete h;
  }

  template <class U>
  bool operator==(const control_block_allocator<U>& other) const noexcept {
    return home == other.home;
  }
};

}  // namespace arena_detail

// Records above this size are freed where they are let go of, recycler or
// not: the lock costs little against their content, and megabytes kept
// waiting for the strand (behind the decoding of the next large event)
// would raise the client's peak memory by a whole event.
inline constexpr std::size_t max_recycled_wire_size = 64 * 1024;

// An empty `Message` in an arena of its own, sized for a record of
// `wire_size` bytes. With `recycler`, a small one is freed on its strand.
template <class Message>
std::shared_ptr<Message> make_arena_message(std::size_t wire_size, std::shared_ptr<arena_recycler> recycler = nullptr) {
  using namespace arena_detail;
  if (wire_size > max_recycled_wire_size) recycler.reset();
  auto* h = new holder(arena_options(wire_size), std::move(recycler));
  std::shared_ptr<holder> owner;
  try {
    owner = std::shared_ptr<holder>(h, keep_alive_deleter{}, control_block_allocator<holder>(h));
  } catch (...) {
    delete h;
    throw;
  }
  Message* message = google::protobuf::Arena::CreateMessage<Message>(&h->arena);
  return std::shared_ptr<Message>(std::move(owner), message);
}

}  // namespace mesoshttp::detail
