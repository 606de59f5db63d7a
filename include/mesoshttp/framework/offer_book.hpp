// The offers a framework holds: outstanding offers by id and by agent, fed
// the client's items. An offer leaves the book when the master rescinds it,
// when the framework takes it to use it, and (all at once) when the
// subscription it came with is lost: offers of an old subscription are void,
// and accepting one only earns an error. What the framework did not use it
// declines in one call, with a filter.
//
//   mesoshttp::offer_book book;
//   auto sub = client.on_event([&](const client_event& e) { book.on_event(e); });
//   ...
//   if (auto offer = book.take(id)) client.send(calls::accept(...));  // still valid
//   if (auto decline = book.decline_unused(calls::filters(30))) client.send(*decline);
//
// Thread-safe: the client feeds it on its executor while the framework takes
// and queries from its own threads. Offers are not copied: the book and what
// it returns share the decoded event they came in (immutable), which lives as
// long as one of them is held.
//
// Inverse offers (maintenance) are held too, apart from offers: they are
// requests to leave an agent, not resources, so take() and decline_unused()
// never touch them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mesoshttp/client.hpp"
#include "mesos/v1/mesos.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp {

// What the book has seen, including the input it refused. Monotonic.
struct offer_book_counters {
  std::uint64_t offers_received = 0;   // offers added to the book
  std::uint64_t offers_rescinded = 0;  // removed by RESCIND
  std::uint64_t offers_taken = 0;      // removed by take()
  std::uint64_t offers_declined = 0;   // removed by decline_unused()
  std::uint64_t dropped_on_loss = 0;   // void: their subscription was lost
  std::uint64_t unknown_rescinds = 0;  // RESCIND of an offer the book did not hold
  std::uint64_t duplicate_offers = 0;  // an offer id already held (the newer copy is kept)
  std::uint64_t stale_offers = 0;      // offers in an event of an older subscription, ignored
  std::uint64_t inverse_offers_received = 0;
  std::uint64_t inverse_offers_rescinded = 0;
  std::uint64_t unknown_inverse_rescinds = 0;  // RESCIND_INVERSE_OFFER of one not held
};

class offer_book {
 public:
  offer_book() = default;
  offer_book(const offer_book&) = delete;
  offer_book& operator=(const offer_book&) = delete;

  // Feed every item of the client, in order (a callback consumer or a
  // pulling one). OFFERS add, RESCIND removes; any item that is not a master
  // event (connecting, subscribed, disconnected, closed) means the offers
  // held belong to a subscription that is over, and empties the book.
  void on_event(const client_event& item);

  // Removes the offer and returns it, if the book still holds it; nullopt
  // if it was rescinded, taken already, or its subscription is gone, so a
  // framework about to launch on it learns at once that it cannot.
  std::shared_ptr<const mesos::v1::Offer> take(std::string_view offer_id);

  // DECLINE of every offer held (the book is empty afterwards), with
  // `filters` (refuse_seconds: how long the master withholds those
  // resources from this framework). nullopt when nothing is held. The
  // caller sends it; an offer rescinded meanwhile is ignored by the master.
  std::optional<mesos::v1::scheduler::Call> decline_unused(const mesos::v1::Filters& filters = {});

  std::size_t size() const;
  // The offers held, oldest first.
  std::vector<std::shared_ptr<const mesos::v1::Offer>> offers() const;
  // Those of one agent (by agent id), oldest first; an ACCEPT may combine them.
  std::vector<std::shared_ptr<const mesos::v1::Offer>> offers_on(std::string_view agent_id) const;
  std::shared_ptr<const mesos::v1::Offer> find(std::string_view offer_id) const;

  // Inverse offers held, oldest first; take_inverse_offer removes one (to
  // answer it with ACCEPT_INVERSE_OFFERS or DECLINE_INVERSE_OFFERS).
  std::vector<mesos::v1::InverseOffer> inverse_offers() const;
  std::optional<mesos::v1::InverseOffer> take_inverse_offer(std::string_view inverse_offer_id);

  offer_book_counters counters() const;

 private:
  struct held_offer {
    std::shared_ptr<const mesos::v1::Offer> offer;  // inside its event (aliasing)
    std::uint64_t order = 0;                        // arrival, for oldest-first listings
  };
  // Offer ids are looked up by string_view, without building a string.
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };
  using offer_map = std::unordered_map<std::string, held_offer, text_hash, std::equal_to<>>;
  struct held_inverse_offer {
    mesos::v1::InverseOffer offer;
    std::uint64_t order = 0;
  };

  void add_offers(const std::shared_ptr<const mesos::v1::scheduler::Event>& event);
  void rescind(const std::string& offer_id);
  void unindex(offer_map::iterator it);
  void erase(offer_map::iterator it);
  void drop_all();

  mutable std::mutex mutex_;
  offer_map offers_;
  // agent id -> offer ids
  std::unordered_map<std::string, std::unordered_set<std::string, text_hash, std::equal_to<>>, text_hash,
                     std::equal_to<>>
      by_agent_;
  std::unordered_map<std::string, held_inverse_offer> inverse_offers_;
  std::uint64_t next_order_ = 0;
  // The newest generation seen: events of older ones are void on arrival.
  std::uint64_t generation_ = 0;
  offer_book_counters counters_;
};

}  // namespace mesoshttp
