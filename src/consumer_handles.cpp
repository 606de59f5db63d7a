// The public handles of the hub's consumers (client.hpp): a pulling
// event_stream and a callback event_subscription. Each owns one consumer of
// the client's hub (src/hub/event_hub.hpp) and detaches it when it goes.
#include <boost/asio/append.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>

#include "mesoshttp/client.hpp"
#include "hub/event_hub.hpp"

namespace mesoshttp {

namespace asio = boost::asio;

event_stream& event_stream::operator=(event_stream&& other) noexcept {
  if (this != &other) {
    detach();
    consumer_ = std::move(other.consumer_);
  }
  return *this;
}

event_stream::~event_stream() { detach(); }

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
  consumer_->async_pop(std::move(handler));
}

std::optional<client_event> event_stream::next(std::chrono::milliseconds timeout, std::error_code* ec) {
  if (!consumer_) {
    if (ec) *ec = make_error_code(error::not_attached);
    return std::nullopt;
  }
  return consumer_->pop_for(timeout, ec);
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
