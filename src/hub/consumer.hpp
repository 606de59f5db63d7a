// A consumer of the hub (event_hub.hpp): a pull consumer's cursor on the
// ring and the batch it claimed, read in place one item per pop; or a
// callback, run on the publisher's thread. The hub's mutex guards what the
// publisher touches (the cursor, the waits, the end); the reader's own mutex
// guards its batch.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "mesoshttp/error.hpp"

namespace mesoshttp::hub {

template <class Item>
class event_hub;

// A slot of the hub's ring: an item and the readers yet to read it.
template <class Item>
struct ring_slot {
  Item item;
  unsigned readers_left;  // attached readers that still count in it
};

// One consumer: a cursor on the hub's ring, or a callback.
template <class Item>
class consumer {
 public:
  using handler_type = boost::asio::any_completion_handler<void(std::error_code, Item)>;
  // Items a reader takes per lock of the hub's mutex.
  static constexpr std::size_t batch_size = 64;

  consumer(std::shared_ptr<event_hub<Item>> hub, std::size_t capacity, std::function<void(const Item&)> callback)
      : hub_(std::move(hub)), capacity_(std::max<std::size_t>(1, capacity)), callback_(std::move(callback)) {}
  consumer(const consumer&) = delete;
  consumer& operator=(const consumer&) = delete;
  // A consumer dropped without a detach must not hold the ring's slots.
  ~consumer() { hub_->detach(this, make_error_code(error::detached)); }

  bool is_callback() const noexcept { return static_cast<bool>(callback_); }
  std::size_t capacity() const noexcept { return capacity_; }

  // Its handle let go: no more items, pending waits end with `why`, and a
  // stream held back by this consumer resumes.
  void detach(std::error_code why) { hub_->detach(this, why); }

  // From the publisher's thread: runs the callback unless detached. A detach
  // from another thread waits for a callback in progress, so what the
  // callback captured may be destroyed as soon as the detach returns; a
  // detach from inside the callback itself does not wait.
  void invoke(const Item& item) {
    std::lock_guard running(callback_mutex_);
    if (is_cut()) return;
    calling_thread_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    struct clear_on_exit {
      std::atomic<std::thread::id>& id;
      ~clear_on_exit() { id.store(std::thread::id{}, std::memory_order_relaxed); }
    } clear{calling_thread_};
    callback_(item);
  }

  bool is_cut() const noexcept { return cut_.load(std::memory_order_acquire); }

  // One wait at a time: a second concurrent wait gets error::concurrent_wait.
  void async_pop(handler_type handler) {
    std::unique_lock reading(read_mutex_, std::try_to_lock);
    if (!reading.owns_lock()) return deliver(std::move(handler), make_error_code(error::concurrent_wait), {});
    if (has_claimed()) return deliver(std::move(handler), {}, std::move(*take_claimed()));
    auto done = hub_->wait_async(*this, std::move(handler));
    reading.unlock();
    if (done) done();
  }

  std::optional<Item> pop_for(std::chrono::milliseconds timeout, std::error_code* ec) {
    std::lock_guard reading(read_mutex_);
    if (has_claimed()) {
      if (ec) ec->clear();
      return take_claimed();
    }
    return hub_->wait_for(*this, timeout, ec);
  }

  std::size_t queued() const { return hub_->unread(*this) + claimed_left_.load(std::memory_order_relaxed); }

 private:
  friend class event_hub<Item>;
  using slot = ring_slot<Item>;

  // A slot this reader claimed, and whether it is the slot's last reader.
  struct claim {
    slot* where = nullptr;
    bool last = false;
  };

  // Builds the reader's item where it goes (in the optional a pop returns):
  // emplace from this conversion constructs in place, neither a temporary
  // nor a move (a client_event's move is three strings).
  struct read_claim {
    const event_hub<Item>* hub;
    claim from;
    // The last reader takes the item itself: nobody else reads it any more,
    // and a move costs no reference count.
    operator Item() const { return from.last ? std::move(from.where->item) : hub->copy_for_reader(from.where->item); }
  };

  // Under read_mutex_. A detached reader reads no more: what it claimed goes
  // back at its next wait.
  bool has_claimed() const { return claimed_next_ < claimed_count_ && !is_cut(); }

  // Under read_mutex_, has_claimed(). Outside the hub's mutex: the slot stays
  // put while this reader counts in it, and an item is not written after
  // publish (but by its last reader, this one).
  std::optional<Item> take_claimed() {
    const claim next = claimed_[claimed_next_++];
    claimed_left_.store(claimed_count_ - claimed_next_, std::memory_order_relaxed);
    std::optional<Item> item(std::in_place, read_claim{hub_.get(), next});
    // The batch read, its slots go back at once: the ring holds nothing a
    // reader is done with (an OFFERS event does not linger while its
    // readers handle it), and a slot's later readers may take its item.
    if (claimed_next_ == claimed_count_) hub_->give_back(*this);
    return item;
  }

  static void deliver(handler_type handler, std::error_code ec, Item item) {
    // Runs on the handler's associated executor (a coroutine's, a bound
    // strand), else on a system thread. Not on the client's strand: a
    // consumer may outlive the client and its io_context.
    boost::asio::post(boost::asio::system_executor(), boost::asio::append(std::move(handler), ec, std::move(item)));
  }

  const std::shared_ptr<event_hub<Item>> hub_;
  const std::size_t capacity_;
  const std::function<void(const Item&)> callback_;
  std::atomic<bool> cut_{false};
  std::mutex callback_mutex_;  // held while the callback runs
  std::atomic<std::thread::id> calling_thread_{};

  // The reader's batch: slots behind its cursor that it still counts in;
  // guarded by read_mutex_ (and by the hub's mutex too, while they go back).
  // On cache lines of their own: the reader writes them per item, while the
  // publisher reads cursor_ (below) per slice.
  alignas(64) std::mutex read_mutex_;
  std::array<claim, batch_size> claimed_{};
  std::size_t claimed_next_ = 0;   // the next to read
  std::size_t claimed_count_ = 0;  // claimed_[0, claimed_count_) still counted in
  std::atomic<std::size_t> claimed_left_{0};

  // Guarded by the hub's mutex.
  alignas(64) std::uint64_t cursor_ = 0;  // sequence number of the next item to read
  std::condition_variable ready_;
  unsigned sync_waiters_ = 0;
  std::optional<handler_type> waiter_;
  bool ended_ = false;         // no item after the ring's and final_
  std::optional<Item> final_;  // delivered after the ring's items
  std::error_code end_error_;  // what a wait returns once all is read
};

}  // namespace mesoshttp::hub
