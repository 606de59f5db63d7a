#include "mesoshttp/framework/offer_book.hpp"

#include <algorithm>

#include "mesoshttp/calls.hpp"

namespace mesoshttp {

using mesos::v1::scheduler::Event;

namespace {

template <class Held>
auto oldest_first(std::vector<const Held*> held) {
  // Offers are shared (a pointer each), inverse offers copied.
  std::sort(held.begin(), held.end(), [](const Held* a, const Held* b) { return a->order < b->order; });
  std::vector<decltype(held.front()->offer)> out;
  out.reserve(held.size());
  for (const auto* h : held) out.push_back(h->offer);
  return out;
}

std::size_t offers_in(const Event& event) {
  if (event.type() == Event::OFFERS) return static_cast<std::size_t>(event.offers().offers_size());
  if (event.type() == Event::INVERSE_OFFERS)
    return static_cast<std::size_t>(event.inverse_offers().inverse_offers_size());
  return 0;
}

}  // namespace

void offer_book::on_event(const client_event& item) {
  std::lock_guard lock(mutex_);
  if (item.type != client_event::kind::event) {
    // connecting, subscribed, disconnected, closed: whatever subscription
    // the held offers came with is over (a `subscribed` starts a new one;
    // its offers come after it).
    generation_ = std::max(generation_, item.generation);
    drop_all();
    return;
  }
  if (!item.event) return;
  if (item.generation < generation_) {
    // The client never delivers these; a framework that feeds the book
    // from a store or a second client might.
    counters_.stale_offers += offers_in(*item.event);
    return;
  }
  if (item.generation > generation_) {
    // A newer subscription whose start the book did not see (fed from the
    // middle of the stream): what it holds is from an older one.
    generation_ = item.generation;
    drop_all();
  }
  const auto& event = *item.event;
  switch (event.type()) {
    case Event::OFFERS: add_offers(item.event); break;
    case Event::RESCIND: rescind(event.rescind().offer_id().value()); break;
    case Event::INVERSE_OFFERS:
      for (const auto& inverse : event.inverse_offers().inverse_offers()) {
        inverse_offers_[inverse.id().value()] = held_inverse_offer{inverse, next_order_++};
        ++counters_.inverse_offers_received;
      }
      break;
    case Event::RESCIND_INVERSE_OFFER:
      if (inverse_offers_.erase(event.rescind_inverse_offer().inverse_offer_id().value()) > 0)
        ++counters_.inverse_offers_rescinded;
      else
        ++counters_.unknown_inverse_rescinds;
      break;
    default: break;
  }
}

void offer_book::add_offers(const std::shared_ptr<const Event>& event) {
  for (const auto& offer : event->offers().offers()) {
    const auto& id = offer.id().value();
    if (auto it = offers_.find(std::string_view(id)); it != offers_.end()) {
      // The master never sends an id twice; if it arrives again, the newer
      // copy is the master's latest word on it.
      ++counters_.duplicate_offers;
      erase(it);
    } else {
      ++counters_.offers_received;
    }
    // Shares the event: no copy of the offer.
    offers_.emplace(id, held_offer{std::shared_ptr<const mesos::v1::Offer>(event, &offer), next_order_++});
    const auto& agent = offer.agent_id().value();
    auto on_agent = by_agent_.find(std::string_view(agent));
    if (on_agent == by_agent_.end()) on_agent = by_agent_.try_emplace(agent).first;
    on_agent->second.insert(id);
  }
}

void offer_book::rescind(const std::string& offer_id) {
  const auto it = offers_.find(offer_id);
  if (it == offers_.end()) {
    // Taken or declined just before the rescind crossed it, or never held.
    ++counters_.unknown_rescinds;
    return;
  }
  erase(it);
  ++counters_.offers_rescinded;
}

// Removes the offer from the agent index (its agent id finds the entry, so
// before the offer is moved out).
void offer_book::unindex(offer_map::iterator it) {
  const auto agent = by_agent_.find(std::string_view(it->second.offer->agent_id().value()));
  if (agent != by_agent_.end()) {
    agent->second.erase(it->first);
    if (agent->second.empty()) by_agent_.erase(agent);
  }
}

void offer_book::erase(offer_map::iterator it) {
  unindex(it);
  offers_.erase(it);
}

void offer_book::drop_all() {
  counters_.dropped_on_loss += offers_.size();
  offers_.clear();
  by_agent_.clear();
  // Inverse offers are void with their subscription as well (the master
  // sends them again to the new one); not counted with offers.
  inverse_offers_.clear();
}

std::shared_ptr<const mesos::v1::Offer> offer_book::take(std::string_view offer_id) {
  std::lock_guard lock(mutex_);
  const auto it = offers_.find(offer_id);
  if (it == offers_.end()) return nullptr;
  unindex(it);  // while the offer still names its agent
  auto offer = std::move(it->second.offer);
  offers_.erase(it);
  ++counters_.offers_taken;
  return offer;
}

std::optional<mesos::v1::scheduler::Call> offer_book::decline_unused(const mesos::v1::Filters& filters) {
  std::vector<std::shared_ptr<const mesos::v1::Offer>> held;
  {
    std::lock_guard lock(mutex_);
    if (offers_.empty()) return std::nullopt;
    std::vector<const held_offer*> all;
    all.reserve(offers_.size());
    for (const auto& [id, h] : offers_) all.push_back(&h);
    held = oldest_first(std::move(all));
    counters_.offers_declined += offers_.size();
    offers_.clear();
    by_agent_.clear();
  }
  std::vector<mesos::v1::OfferID> ids;
  ids.reserve(held.size());
  for (const auto& offer : held) ids.push_back(offer->id());
  return calls::decline(std::move(ids), filters);
}

std::size_t offer_book::size() const {
  std::lock_guard lock(mutex_);
  return offers_.size();
}

std::vector<std::shared_ptr<const mesos::v1::Offer>> offer_book::offers() const {
  std::lock_guard lock(mutex_);
  std::vector<const held_offer*> all;
  all.reserve(offers_.size());
  for (const auto& [id, h] : offers_) all.push_back(&h);
  return oldest_first(std::move(all));
}

std::vector<std::shared_ptr<const mesos::v1::Offer>> offer_book::offers_on(std::string_view agent_id) const {
  std::lock_guard lock(mutex_);
  const auto agent = by_agent_.find(agent_id);
  if (agent == by_agent_.end()) return {};
  std::vector<const held_offer*> on_agent;
  on_agent.reserve(agent->second.size());
  for (const auto& id : agent->second) on_agent.push_back(&offers_.find(std::string_view(id))->second);
  return oldest_first(std::move(on_agent));
}

std::shared_ptr<const mesos::v1::Offer> offer_book::find(std::string_view offer_id) const {
  std::lock_guard lock(mutex_);
  const auto it = offers_.find(offer_id);
  if (it == offers_.end()) return nullptr;
  return it->second.offer;
}

std::vector<mesos::v1::InverseOffer> offer_book::inverse_offers() const {
  std::lock_guard lock(mutex_);
  std::vector<const held_inverse_offer*> all;
  all.reserve(inverse_offers_.size());
  for (const auto& [id, h] : inverse_offers_) all.push_back(&h);
  return oldest_first(std::move(all));
}

std::optional<mesos::v1::InverseOffer> offer_book::take_inverse_offer(std::string_view inverse_offer_id) {
  std::lock_guard lock(mutex_);
  const auto it = inverse_offers_.find(std::string(inverse_offer_id));
  if (it == inverse_offers_.end()) return std::nullopt;
  auto offer = std::move(it->second.offer);
  inverse_offers_.erase(it);
  return offer;
}

offer_book_counters offer_book::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace mesoshttp
