// The hub: one published item reaches every consumer, in order.
//
// Pull consumers (event_stream) share one ring: the publisher appends each
// item once, and every consumer reads it at its own cursor. A slot is freed
// (its item moved to, or dropped by, its last reader) when every consumer that
// was attached when it was published has read the batch it was in, so a
// consumed OFFERS event does not linger. Callback consumers
// (event_subscription) run on the publisher's thread as the item is
// published. The consumers themselves: consumer.hpp.
//
// Threading: publish(), flush(), full() and close() come from one thread (the
// client's strand); consumers read from any thread. One mutex guards the ring
// and the cursors. A reader claims up to `batch_size` slots per lock and
// then reads them in place, one per pop, without that lock: many consumers
// do not take turns on it per item, nor while copying, and an item is copied
// once per reader, straight into what the pop returns. The reader counts in
// its claimed slots until it has read the batch, so the ring keeps them
// meanwhile. Readers are woken once per flush (the client's: a socket read),
// not per item.
//
// Knows nothing of Mesos: Item is whatever the client publishes.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "mesoshttp/config.hpp"
#include "mesoshttp/error.hpp"
#include "hub/consumer.hpp"
#include "hub/slot_ring.hpp"

namespace mesoshttp::hub {

template <class Item>
class event_hub : public std::enable_shared_from_this<event_hub<Item>> {
 public:
  using consumer_type = consumer<Item>;

  struct options {
    // A consumer's queue size when its attach gives none.
    std::size_t default_capacity = 1024;
    // What a full queue does: hold the publisher back, or detach the consumer.
    overflow_policy overflow = overflow_policy::backpressure;
    // Told why a consumer was detached (a throwing callback, an overflow).
    std::function<void(log_level, const std::string&)> log;
    // Called, from any thread, when a full() hub has room again (every
    // reader down to half its queue): the publisher resumes reading.
    std::function<void()> on_room;
    // Called on the publisher's thread when a consumer is detached for
    // falling behind (overflow policy detach): counted by the client's metrics.
    std::function<void()> on_overflow;
    // A reader's copy of an item other readers still read; unset, the copy
    // constructor. The clients' items are mostly events whose strings are
    // all empty: copying three empty std::strings per reader per event
    // profiled as a fifth of a 16-consumer flood.
    Item (*copy)(const Item&) = nullptr;
  };

  explicit event_hub(options opts) : options_(std::move(opts)) {}

  // A new consumer sees what is published after it attached. On a closed hub
  // it gets the final item (a pull consumer) and then its end.
  std::shared_ptr<consumer_type> attach(std::size_t capacity, std::function<void(const Item&)> callback) {
    auto c = std::make_shared<consumer_type>(this->shared_from_this(), capacity ? capacity : options_.default_capacity,
                                             std::move(callback));
    std::lock_guard lock(mutex_);
    c->cursor_ = ring_.head();
    if (closed_) {
      c->ended_ = true;
      c->end_error_ = end_error_;
      if (!c->is_callback()) c->final_ = final_item_;
      if (c->is_callback()) c->cut_.store(true, std::memory_order_release);
    } else if (c->is_callback()) {
      auto next = std::make_shared<callback_list>(*callbacks_);
      next->push_back(c);
      callbacks_ = std::move(next);
      has_callbacks_.store(true, std::memory_order_relaxed);
    } else {
      readers_.push_back(c.get());
      has_readers_.store(true, std::memory_order_relaxed);
    }
    return c;
  }

  // Publisher's thread. Callback consumers run now; pull consumers see the
  // item at the next flush(), or now with `wake_now`.
  // An rvalue: the item is moved into the ring, not copied (a copy costs
  // the shared event two atomic reference-count updates), and moved twice in
  // all, into the staged batch and into its slot (a client_event's move is
  // three strings).
  void publish(Item&& item, bool wake_now) {
    if (has_callbacks_.load(std::memory_order_relaxed)) {
      const auto callbacks = current_callbacks();
      for (const auto& c : *callbacks) {
        if (c->is_cut()) continue;  // detached earlier in this very loop
        if (!invoke_callback(*c, item)) detach(c.get(), make_error_code(error::detached));
      }
    }
    if (has_readers_.load(std::memory_order_relaxed)) staged_.push_back(std::move(item));
    if (wake_now) flush();
  }

  // Publisher's thread: moves staged items into the ring and, with `wake`,
  // wakes the readers that wait for them, once for the whole batch. (A wake
  // costs a reader a sleep and a system call or two; the client wakes once
  // per socket read, not per parsed slice.)
  void flush(bool wake = true) {
    std::vector<std::pair<handler_type, Item>> handoffs;
    std::vector<consumer_type*> overflowed;
    {
      std::lock_guard lock(mutex_);
      if (!unsettled_.empty()) settle_claims_locked();
      if (!staged_.empty()) {
        const auto readers = static_cast<unsigned>(readers_.size());
        for (auto& item : staged_) {
          if (readers) {
            slot& s = ring_.push_back();
            s.item = std::move(item);
            s.readers_left = readers;
          } else {
            ring_.skip();  // nobody left to read it
          }
        }
        staged_.clear();
      }
      for (auto* c : readers_) {
        if (c->cursor_ == ring_.head()) continue;
        if (options_.overflow == overflow_policy::detach && ring_.head() - c->cursor_ >= c->capacity_) {
          overflowed.push_back(c);
          continue;
        }
        if (!wake) continue;
        if (c->waiter_) {
          handoffs.emplace_back(std::move(*c->waiter_), take_one_locked(*c));
          c->waiter_.reset();
        } else if (c->sync_waiters_) {
          c->ready_.notify_one();
        }
      }
    }
    for (auto& [handler, item] : handoffs) consumer_type::deliver(std::move(handler), {}, std::move(item));
    for (auto* c : overflowed) {
      if (options_.log)
        options_.log(log_level::warning, "a consumer fell behind; detaching it (overflow policy: detach)");
      if (options_.on_overflow) options_.on_overflow();
      detach(c, make_error_code(error::consumer_overflow));
    }
  }

  // Backpressure: some pull consumer has a full queue's worth unread. The
  // publisher stops until on_room.
  bool full() {
    if (options_.overflow != overflow_policy::backpressure) return false;
    std::lock_guard lock(mutex_);
    waiting_for_room_ = full_locked();
    return waiting_for_room_;
  }

  // Publisher's thread, once: every consumer gets `final_item` after what it
  // has not read yet, then `end_error`.
  void close(const Item& final_item, std::error_code end_error) {
    std::shared_ptr<const callback_list> callbacks;
    std::vector<std::pair<handler_type, Item>> handoffs;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      closed_ = true;
      final_item_ = final_item;
      end_error_ = end_error;
      callbacks = std::exchange(callbacks_, std::make_shared<callback_list>());
    }
    flush();  // what was staged before the end
    {
      std::lock_guard lock(mutex_);
      for (auto* c : readers_) {
        c->ended_ = true;
        c->end_error_ = end_error;
        c->final_ = final_item;
        if (c->waiter_) {
          handoffs.emplace_back(std::move(*c->waiter_), c->cursor_ < ring_.head()
                                                            ? take_one_locked(*c)
                                                            : *std::exchange(c->final_, std::nullopt));
          c->waiter_.reset();
        }
        c->ready_.notify_all();
      }
    }
    for (auto& [handler, item] : handoffs) consumer_type::deliver(std::move(handler), {}, std::move(item));
    for (const auto& c : *callbacks) {
      if (c->is_cut()) continue;
      invoke_callback(*c, final_item);
      cut(*c);
    }
  }

  // For metrics, from any thread: the most items a pull consumer has not
  // taken yet (in the ring and in its own batch).
  std::size_t max_unread() const {
    std::lock_guard lock(mutex_);
    std::size_t most = 0;
    for (const auto* c : readers_) {
      const auto unread =
          static_cast<std::size_t>(ring_.head() - c->cursor_) + c->claimed_left_.load(std::memory_order_relaxed);
      most = std::max(most, unread);
    }
    return most;
  }

  // For tests and the memory benchmark's reasoning: items held by the ring.
  std::size_t ring_size() const {
    std::lock_guard lock(mutex_);
    return ring_.size();
  }

 private:
  friend class consumer<Item>;
  using handler_type = typename consumer_type::handler_type;
  using callback_list = std::vector<std::shared_ptr<consumer_type>>;

  using slot = ring_slot<Item>;

  std::shared_ptr<const callback_list> current_callbacks() const {
    std::lock_guard lock(mutex_);
    return callbacks_;
  }

  // Runs a callback consumer; false (logged) if it threw. A throwing callback
  // must not take the publisher down, nor keep the other consumers from the item.
  bool invoke_callback(consumer_type& c, const Item& item) {
    try {
      c.invoke(item);
      return true;
    } catch (const std::exception& e) {
      if (options_.log) options_.log(log_level::error, std::string("event callback threw, detaching it: ") + e.what());
    } catch (...) {
      if (options_.log) options_.log(log_level::error, "event callback threw, detaching it");
    }
    return false;
  }

  bool full_locked() const {
    return std::any_of(readers_.begin(), readers_.end(),
                       [&](const consumer_type* c) { return ring_.head() - c->cursor_ >= c->capacity_; });
  }

  // Under mutex_, cursor_ < ring_.head().
  Item take_one_locked(consumer_type& c) {
    Item item = take_slot_locked(c);
    drop_read_slots_locked();
    return item;
  }

  void drop_read_slots_locked() {
    while (!ring_.empty() && ring_.front().readers_left == 0) ring_.pop_front();
  }

  // Some reader has more than half its queue unread.
  bool above_low_water_locked() const {
    return std::any_of(readers_.begin(), readers_.end(),
                       [&](const consumer_type* c) { return ring_.head() - c->cursor_ > c->capacity_ / 2; });
  }

  // After a reader took items: a publisher held back goes on once every
  // reader is down to half its queue. Resuming as soon as one batch is taken
  // would stop it again a slice later: a pause and a resume per batch.
  void after_read_locked(bool& room) {
    drop_read_slots_locked();
    if (waiting_for_room_ && !above_low_water_locked()) {
      waiting_for_room_ = false;
      room = true;
    }
  }

  // Claims c's next batch, or returns the final item / the end. Under c's
  // read mutex.
  std::optional<Item> wait_for(consumer_type& c, std::chrono::milliseconds timeout, std::error_code* ec) {
    bool room = false;
    {
      std::unique_lock lock(mutex_);
      give_back_locked(c);  // a detached reader's batch, read or not (see remove)
      ++c.sync_waiters_;
      const bool ready =
          c.ready_.wait_for(lock, timeout, [&] { return c.cursor_ < ring_.head() || c.ended_ || c.is_cut(); });
      --c.sync_waiters_;
      if (!ready) {
        if (ec) *ec = make_error_code(error::wait_timeout);
        return std::nullopt;
      }
      if (c.is_cut() || c.cursor_ == ring_.head()) {
        std::optional<Item> out;
        if (!c.is_cut() && c.final_) {
          out = std::move(*c.final_);
          c.final_.reset();
          if (ec) ec->clear();
        } else if (ec) {
          *ec = c.end_error_;
        }
        return out;
      }
      // Claim the batch: the cursor moves on, but the slots keep counting
      // this reader until it has read them, so nobody frees them meanwhile.
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(ring_.head() - c.cursor_, consumer_type::batch_size));
      for (std::size_t i = 0; i < n; ++i) {
        slot& s = ring_[c.cursor_];
        ++c.cursor_;
        c.claimed_[i] = {&s, s.readers_left == 1};
      }
      c.claimed_count_ = n;
      c.claimed_next_ = 0;
      after_read_locked(room);
    }
    if (room && options_.on_room) options_.on_room();
    if (ec) ec->clear();
    // The copy outside the lock: with many readers, copying under it (a
    // contended reference count per item) kept the others and the publisher
    // waiting.
    return c.take_claimed();
  }

  // Registers c's async waiter, or returns what delivers its item right away.
  // Under c's read mutex.
  std::function<void()> wait_async(consumer_type& c, handler_type handler) {
    bool room = false;
    std::error_code ec;
    Item item{};
    {
      std::lock_guard lock(mutex_);
      give_back_locked(c);
      if (c.waiter_) {
        ec = make_error_code(error::concurrent_wait);
      } else if (!c.is_cut() && c.cursor_ < ring_.head()) {
        item = take_slot_locked(c);
        after_read_locked(room);
      } else if (!c.is_cut() && c.final_) {
        item = std::move(*c.final_);
        c.final_.reset();
      } else if (c.ended_ || c.is_cut()) {
        ec = c.end_error_;
      } else {
        c.waiter_.emplace(std::move(handler));
        return {};
      }
    }
    auto on_room = room ? options_.on_room : std::function<void()>{};
    auto shared = std::make_shared<handler_type>(std::move(handler));
    return [shared, ec, item = std::move(item), on_room]() mutable {
      consumer_type::deliver(std::move(*shared), ec, std::move(item));
      if (on_room) on_room();
    };
  }

  // Under c's read mutex.
  void give_back(consumer_type& c) {
    std::lock_guard lock(mutex_);
    give_back_locked(c);
  }

  // Under mutex_ and c's read mutex: c no longer counts in the slots it
  // claimed, and those nobody counts in any more are dropped.
  void give_back_locked(consumer_type& c) {
    if (c.claimed_count_ == 0) return;
    for (std::size_t i = 0; i < c.claimed_count_; ++i) --c.claimed_[i].where->readers_left;
    c.claimed_count_ = c.claimed_next_ = 0;
    c.claimed_left_.store(0, std::memory_order_relaxed);
    drop_read_slots_locked();
  }

  // Under mutex_: gives back the claims of readers detached while reading
  // (see remove) once they have let go of their read mutex.
  void settle_claims_locked() {
    std::erase_if(unsettled_, [&](consumer_type* c) {
      std::unique_lock reading(c->read_mutex_, std::try_to_lock);
      if (!reading.owns_lock()) return false;
      give_back_locked(*c);
      return true;
    });
  }

  // Under mutex_, cursor_ < ring_.head(). Moves out of a slot its last reader.
  Item take_slot_locked(consumer_type& c) {
    slot& s = ring_[c.cursor_];
    ++c.cursor_;
    return --s.readers_left == 0 ? std::move(s.item) : copy_for_reader(s.item);
  }

  Item copy_for_reader(const Item& item) const { return options_.copy ? options_.copy(item) : item; }

  std::size_t unread(const consumer_type& c) const {
    std::lock_guard lock(mutex_);
    if (c.is_cut()) return 0;
    return static_cast<std::size_t>(ring_.head() - c.cursor_) + (c.final_ ? 1 : 0);
  }

  // Ends c (no more items, waits end with `why`) and tells the publisher if
  // that made room.
  void detach(consumer_type* c, std::error_code why) {
    if (remove(c, why) && options_.on_room) options_.on_room();
  }

  // Returns whether the publisher, held back, may go on.
  bool remove(consumer_type* c, std::error_code why) {
    cut(*c);
    std::optional<handler_type> handler;
    bool room = false;
    {
      std::lock_guard lock(mutex_);
      if (c->is_callback()) {
        auto it = std::find_if(callbacks_->begin(), callbacks_->end(), [&](const auto& p) { return p.get() == c; });
        if (it != callbacks_->end()) {
          auto next = std::make_shared<callback_list>(*callbacks_);
          next->erase(next->begin() + (it - callbacks_->begin()));
          callbacks_ = std::move(next);
        }
        return false;
      }
      auto it = std::find(readers_.begin(), readers_.end(), c);
      if (it != readers_.end()) {
        readers_.erase(it);
        has_readers_.store(!readers_.empty(), std::memory_order_relaxed);
        // Its unread slots no longer wait for it.
        for (std::uint64_t seq = c->cursor_; seq < ring_.head(); ++seq) {
          slot& s = ring_[seq];
          if (--s.readers_left == 0) s.item = Item{};
        }
        c->cursor_ = ring_.head();
        // And its claimed slots, unless it is reading one right now (its
        // read mutex held: a pop in progress, or a wait, which holds no
        // slot). Then they go back at a flush once it has let go, or at its
        // next pop: a handle detached for falling behind and never read
        // again must not pin the ring's front.
        unsettled_.push_back(c);
        after_read_locked(room);
      }
      // Detached before while reading: settled now, at the latest by its
      // destructor's detach (nobody reads a consumer being destroyed).
      if (!unsettled_.empty()) settle_claims_locked();
      if (!c->ended_) {
        c->ended_ = true;
        c->end_error_ = why;
      }
      c->final_.reset();
      if (c->waiter_) {
        handler = std::move(c->waiter_);
        c->waiter_.reset();
      }
      c->ready_.notify_all();
    }
    if (handler) consumer_type::deliver(std::move(*handler), why, {});
    return room;
  }

  // Marks c detached; waits for its callback if one runs on another thread.
  static void cut(consumer_type& c) {
    c.cut_.store(true, std::memory_order_release);
    if (c.is_callback() && c.calling_thread_.load(std::memory_order_relaxed) != std::this_thread::get_id()) {
      std::lock_guard wait_for_callback(c.callback_mutex_);
    }
  }

  const options options_;
  mutable std::mutex mutex_;
  // Guarded by mutex_.
  slot_ring<slot> ring_;                   // items that someone has yet to read, by sequence number
  std::vector<consumer_type*> readers_;    // removed by their destructor at the latest
  std::vector<consumer_type*> unsettled_;  // detached with claims out (remove)
  bool waiting_for_room_ = false;
  bool closed_ = false;
  std::optional<Item> final_item_;
  std::error_code end_error_;
  // Copy-on-write: attach/detach replace it; publish takes the current one.
  std::shared_ptr<const callback_list> callbacks_ = std::make_shared<callback_list>();
  // Publisher's thread only.
  std::vector<Item> staged_;
  // Set by attach on any thread; read per published item without the mutex.
  // A consumer attached while an item is published may or may not get it.
  std::atomic<bool> has_readers_{false};
  std::atomic<bool> has_callbacks_{false};
};

}  // namespace mesoshttp::hub
