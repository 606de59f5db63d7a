// The offer book fed client items by hand, without a client: offers added,
// rescinded, taken, declined, voided with their subscription, and the bad
// input counted.
#include "mesoshttp/framework/offer_book.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::client_event;
using mesoshttp::offer_book;
using kind = client_event::kind;

mesos::v1::Offer offer(const std::string& id, const std::string& agent) {
  mesos::v1::Offer o;
  o.mutable_id()->set_value(id);
  o.mutable_agent_id()->set_value(agent);
  o.mutable_framework_id()->set_value("fw");
  o.set_hostname(agent);
  return o;
}

client_event item(Event event, std::uint64_t generation = 1) {
  client_event e;
  e.type = kind::event;
  e.generation = generation;
  e.event = std::make_shared<const Event>(std::move(event));
  return e;
}

client_event offers(std::vector<mesos::v1::Offer> list, std::uint64_t generation = 1) {
  Event e;
  e.set_type(Event::OFFERS);
  for (auto& o : list) *e.mutable_offers()->add_offers() = std::move(o);
  return item(std::move(e), generation);
}

client_event rescind(const std::string& id, std::uint64_t generation = 1) {
  Event e;
  e.set_type(Event::RESCIND);
  e.mutable_rescind()->mutable_offer_id()->set_value(id);
  return item(std::move(e), generation);
}

client_event connection(kind k, std::uint64_t generation) {
  client_event e;
  e.type = k;
  e.generation = generation;
  return e;
}

std::vector<std::string> ids(const std::vector<std::shared_ptr<const mesos::v1::Offer>>& list) {
  std::vector<std::string> out;
  for (const auto& o : list) out.push_back(o->id().value());
  return out;
}

// A book after SUBSCRIBED of generation 1 with o1, o2 on a1 and o3 on a2.
void fill(offer_book& book) {
  book.on_event(connection(kind::subscribed, 1));
  book.on_event(offers({offer("o1", "a1"), offer("o2", "a1")}));
  book.on_event(offers({offer("o3", "a2")}));
}

TEST(OfferBook, HoldsOffersByIdAndByAgentOldestFirst) {
  offer_book book;
  fill(book);
  EXPECT_EQ(book.size(), 3u);
  EXPECT_EQ(ids(book.offers()), (std::vector<std::string>{"o1", "o2", "o3"}));
  EXPECT_EQ(ids(book.offers_on("a1")), (std::vector<std::string>{"o1", "o2"}));
  EXPECT_EQ(ids(book.offers_on("a2")), (std::vector<std::string>{"o3"}));
  EXPECT_TRUE(book.offers_on("a3").empty());
  ASSERT_TRUE(book.find("o2"));
  EXPECT_EQ(book.find("o2")->agent_id().value(), "a1");
  EXPECT_FALSE(book.find("o9"));
  EXPECT_EQ(book.counters().offers_received, 3u);
}

TEST(OfferBook, ARescindRemovesTheOffer) {
  offer_book book;
  fill(book);
  book.on_event(rescind("o1"));
  EXPECT_FALSE(book.find("o1"));
  EXPECT_EQ(ids(book.offers_on("a1")), (std::vector<std::string>{"o2"}));
  EXPECT_EQ(book.size(), 2u);
  EXPECT_EQ(book.counters().offers_rescinded, 1u);
  EXPECT_EQ(book.counters().unknown_rescinds, 0u);
}

TEST(OfferBook, ARescindOfAnUnknownOfferIsCountedAndChangesNothing) {
  offer_book book;
  fill(book);
  book.on_event(rescind("nope"));
  EXPECT_EQ(book.size(), 3u);
  EXPECT_EQ(book.counters().unknown_rescinds, 1u);
  EXPECT_EQ(book.counters().offers_rescinded, 0u);
}

TEST(OfferBook, TakeRemovesAndReturnsAnOfferOnlyWhileHeld) {
  offer_book book;
  fill(book);
  auto taken = book.take("o3");
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->agent_id().value(), "a2");
  EXPECT_FALSE(book.take("o3")) << "taken twice";
  EXPECT_TRUE(book.offers_on("a2").empty());
  book.on_event(rescind("o1"));
  EXPECT_FALSE(book.take("o1")) << "a framework launching on a rescinded offer learns it at once";
  EXPECT_EQ(book.counters().offers_taken, 1u);
  // A rescind that crosses a take: the offer is gone already; counted, harmless.
  book.on_event(rescind("o3"));
  EXPECT_EQ(book.counters().unknown_rescinds, 1u);
  EXPECT_EQ(book.size(), 1u);
}

TEST(OfferBook, ADuplicateOfferIsCountedAndHeldOnce) {
  offer_book book;
  fill(book);
  auto again = offer("o1", "a1");
  again.set_hostname("newer");
  book.on_event(offers({again}));
  EXPECT_EQ(book.size(), 3u);
  EXPECT_EQ(book.offers_on("a1").size(), 2u);
  EXPECT_EQ(book.find("o1")->hostname(), "newer");
  EXPECT_EQ(book.counters().duplicate_offers, 1u);
  EXPECT_EQ(book.counters().offers_received, 3u);
}

TEST(OfferBook, EveryItemThatIsNotAnEventVoidsTheOffersHeld) {
  for (auto k : {kind::disconnected, kind::connecting, kind::subscribed, kind::closed}) {
    offer_book book;
    fill(book);
    book.on_event(connection(k, k == kind::disconnected || k == kind::closed ? 1 : 2));
    EXPECT_EQ(book.size(), 0u) << static_cast<int>(k);
    EXPECT_TRUE(book.offers_on("a1").empty());
    EXPECT_FALSE(book.take("o1"));
    EXPECT_EQ(book.counters().dropped_on_loss, 3u);
  }
}

TEST(OfferBook, OffersOfAnOlderSubscriptionAreIgnoredAndCounted) {
  offer_book book;
  book.on_event(connection(kind::subscribed, 2));
  book.on_event(offers({offer("old1", "a1"), offer("old2", "a1")}, 1));
  book.on_event(offers({offer("new", "a1")}, 2));
  EXPECT_EQ(ids(book.offers()), (std::vector<std::string>{"new"}));
  EXPECT_EQ(book.counters().stale_offers, 2u);
  // A rescind of an old subscription is ignored too (its offer is void anyway).
  book.on_event(rescind("new", 1));
  EXPECT_EQ(book.size(), 1u);
}

TEST(OfferBook, AnEventOfANewerSubscriptionVoidsWhatIsHeld) {
  // Fed from the middle of a stream: the newer generation's start unseen.
  offer_book book;
  fill(book);
  book.on_event(offers({offer("o4", "a1")}, 3));
  EXPECT_EQ(ids(book.offers()), (std::vector<std::string>{"o4"}));
  EXPECT_EQ(book.counters().dropped_on_loss, 3u);
}

TEST(OfferBook, DeclineUnusedDeclinesEveryOfferHeldWithTheFilter) {
  offer_book book;
  fill(book);
  ASSERT_TRUE(book.take("o2"));
  mesos::v1::Filters filters;
  filters.set_refuse_seconds(42);
  auto call = book.decline_unused(filters);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->type(), Call::DECLINE);
  ASSERT_EQ(call->decline().offer_ids_size(), 2);
  EXPECT_EQ(call->decline().offer_ids(0).value(), "o1");
  EXPECT_EQ(call->decline().offer_ids(1).value(), "o3");
  EXPECT_EQ(call->decline().filters().refuse_seconds(), 42);
  EXPECT_EQ(book.size(), 0u);
  EXPECT_TRUE(book.offers_on("a1").empty());
  EXPECT_EQ(book.counters().offers_declined, 2u);
  EXPECT_FALSE(book.decline_unused(filters)) << "nothing left to decline";
}

TEST(OfferBook, EventsThatAreNotAboutOffersChangeNothing) {
  offer_book book;
  fill(book);
  Event heartbeat;
  heartbeat.set_type(Event::HEARTBEAT);
  book.on_event(item(heartbeat));
  client_event empty;  // an event item without an event
  empty.generation = 1;
  book.on_event(empty);
  EXPECT_EQ(book.size(), 3u);
}

TEST(OfferBook, InverseOffersAreHeldApartAndRescinded) {
  offer_book book;
  fill(book);
  Event inverse;
  inverse.set_type(Event::INVERSE_OFFERS);
  for (const char* id : {"i1", "i2"}) {
    auto* io = inverse.mutable_inverse_offers()->add_inverse_offers();
    io->mutable_id()->set_value(id);
    io->mutable_framework_id()->set_value("fw");
    io->mutable_agent_id()->set_value("a1");
    io->mutable_unavailability()->mutable_start()->set_nanoseconds(0);
  }
  book.on_event(item(inverse));
  EXPECT_EQ(book.inverse_offers().size(), 2u);
  EXPECT_EQ(book.size(), 3u) << "inverse offers are not offers";
  Event r;
  r.set_type(Event::RESCIND_INVERSE_OFFER);
  r.mutable_rescind_inverse_offer()->mutable_inverse_offer_id()->set_value("i1");
  book.on_event(item(r));
  book.on_event(item(r));  // again: unknown now
  EXPECT_EQ(book.counters().inverse_offers_rescinded, 1u);
  EXPECT_EQ(book.counters().unknown_inverse_rescinds, 1u);
  auto call = book.decline_unused();
  ASSERT_TRUE(call);
  EXPECT_EQ(call->decline().offer_ids_size(), 3) << "decline_unused leaves inverse offers alone";
  ASSERT_TRUE(book.take_inverse_offer("i2"));
  EXPECT_FALSE(book.take_inverse_offer("i2"));
  book.on_event(item(inverse));
  book.on_event(connection(kind::disconnected, 1));
  EXPECT_TRUE(book.inverse_offers().empty()) << "void with their subscription too";
}

}  // namespace
