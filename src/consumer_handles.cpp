// The public handles of the hub's consumers (client.hpp): a pulling
// event_stream and a callback event_subscription. Each owns one consumer of
// the client's hub (src/hub/event_hub.hpp) and detaches it when it goes.
#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>

#include "mesoshttp/client.hpp"
#include "mesoshttp/framework/acknowledgements.hpp"
#include "hub/event_hub.hpp"

namespace mesoshttp {

namespace asio = boost::asio;

namespace detail {
struct pending_acknowledgement {
  std::function<void(mesos::v1::scheduler::Call)> sender;
  std::optional<mesos::v1::scheduler::Call> call;

  void hold(const client_event& item) { call = acknowledgement_for(item); }
  void send() {
    if (!call) return;
    auto c = std::move(*call);
    call.reset();
    sender(std::move(c));
  }
};

}  // namespace detail

event_stream::event_stream(std::shared_ptr<detail::consumer> consumer,
                           std::function<void(mesos::v1::scheduler::Call)> acknowledge)
    : consumer_(std::move(consumer)) {
  if (acknowledge)
    ack_ = std::make_shared<detail::pending_acknowledgement>(
        detail::pending_acknowledgement{std::move(acknowledge), std::nullopt});
}

event_stream& event_stream::operator=(event_stream&& other) noexcept {
  if (this != &other) {
    detach();
    consumer_ = std::move(other.consumer_);
    ack_ = std::move(other.ack_);
  }
  return *this;
}

event_stream::~event_stream() { detach(); }

void event_stream::acknowledge() {
  if (ack_) ack_->send();
}

namespace {
// Both consumer handles end the same way: the client drops the consumer (and
// resumes a stream it held back), or, with the client gone, it is just cut.
void release(std::shared_ptr<detail::consumer>& consumer) {
  if (!consumer) return;
  auto c = std::move(consumer);
  consumer.reset();
  c->detach(make_error_code(error::detached));
}
}  // namespace

void event_stream::detach() { release(consumer_); }

void event_stream::initiate_next(asio::any_completion_handler<void(std::error_code, client_event)> handler) {
  if (!consumer_) {
    // A detached stream has no executor of its own; the handler's associated
    // executor runs it if it has one.
    asio::post(asio::system_executor(),
               asio::append(std::move(handler), make_error_code(error::not_attached), client_event{}));
    return;
  }
  acknowledge();  // asking for the next item means the last one was handled
  if (!ack_) return consumer_->async_pop(std::move(handler));
  // The item is held for acknowledgement on its way to the handler.
  auto executor = asio::get_associated_executor(handler, asio::system_executor());
  consumer_->async_pop(asio::bind_executor(
      executor, [ack = ack_, handler = std::move(handler)](std::error_code ec, client_event item) mutable {
        if (!ec) ack->hold(item);
        std::move(handler)(ec, std::move(item));
      }));
}

std::optional<client_event> event_stream::next(std::chrono::milliseconds timeout, std::error_code* ec) {
  if (!consumer_) {
    if (ec) *ec = make_error_code(error::not_attached);
    return std::nullopt;
  }
  acknowledge();  // asking for the next item means the last one was handled
  auto item = consumer_->pop_for(timeout, ec);
  if (item && ack_) ack_->hold(*item);
  return item;
}

std::size_t event_stream::queued() const { return consumer_ ? consumer_->queued() : 0; }

event_subscription& event_subscription::operator=(event_subscription&& other) noexcept {
  if (this != &other) {
    detach();
    consumer_ = std::move(other.consumer_);
  }
  return *this;
}

event_subscription::~event_subscription() { detach(); }

void event_subscription::detach() { release(consumer_); }

}  // namespace mesoshttp
