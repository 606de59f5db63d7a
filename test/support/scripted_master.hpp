// A test peer that answers every HTTP request on 127.0.0.1 with a scripted
// raw response: for the answers a well-behaved simulator never gives (every
// 307 form, redirect loops, broken headers, hostile streams).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mesoshttp::test {

class scripted_master {
 public:
  // Given the request number (from 0) and the raw request head, returns the
  // raw bytes to answer with. After answering, the connection is closed when
  // `close_after` says so.
  using script = std::function<std::string(std::size_t index, const std::string& head)>;

  // A reply that may keep the connection open (an event stream) or close it
  // without a word (an empty `bytes` with keep_open false).
  struct reply {
    std::string bytes;
    bool keep_open = false;
    // Written `pause` after `bytes` (a stream that breaks a while after it began).
    std::string then = {};
    std::chrono::milliseconds pause{0};
    // After `bytes` (and `then`): called again and again, each result
    // written as it comes, until it returns nullopt (or the server stops,
    // which `stopping` says; it should then return soon). An event stream
    // that a test feeds as it goes (see test/executor/executor_client_test.cpp).
    std::function<std::optional<std::string>(const std::atomic<bool>& stopping)> more = {};
  };
  using reply_script = std::function<reply(std::size_t index, const std::string& head)>;
  // The same, with the request's body.
  using body_script = std::function<reply(std::size_t index, const std::string& head, const std::string& body)>;
  struct with_body_t {};
  static constexpr with_body_t with_body{};

  explicit scripted_master(script s, bool close_after = true)
      : scripted_master(reply_script([s = std::move(s), close_after](std::size_t i, const std::string& h) {
          return reply{s(i, h), !close_after};
        })) {}

  explicit scripted_master(reply_script s)
      : scripted_master(with_body, [s = std::move(s)](std::size_t i, const std::string& h, const std::string&) {
          return s(i, h);
        }) {}

  scripted_master(with_body_t, body_script s) : script_(std::move(s)), acceptor_(io_) {
    using boost::asio::ip::tcp;
    tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { run(); });
  }

  ~scripted_master() {
    stopping_ = true;
    // close() does not wake a blocking accept() on Linux; a connection does.
    {
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket wake(io);
      boost::system::error_code ignored;
      wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ignored);
    }
    thread_.join();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    std::lock_guard lock(mutex_);
    for (auto& t : workers_) t.join();
  }

  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::size_t requests() const { return count_.load(); }
  // The bodies of the requests so far, in the order they were read.
  std::vector<std::string> bodies() const {
    std::lock_guard lock(bodies_mutex_);
    return bodies_;
  }

 private:
  void run() {
    while (!stopping_) {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      std::lock_guard lock(mutex_);
      workers_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }

  void serve(boost::asio::ip::tcp::socket socket) {
    boost::asio::streambuf buf;
    while (!stopping_) {
      boost::system::error_code ec;
      const auto n = boost::asio::read_until(socket, buf, "\r\n\r\n", ec);
      if (ec) return;
      std::string head(boost::asio::buffers_begin(buf.data()),
                       boost::asio::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(n));
      buf.consume(n);
      std::size_t length = 0;
      const auto pos = head.find("Content-Length: ");
      if (pos != std::string::npos) length = std::stoul(head.substr(pos + 16));
      if (buf.size() < length) boost::asio::read(socket, buf, boost::asio::transfer_exactly(length - buf.size()), ec);
      std::string body(
          boost::asio::buffers_begin(buf.data()),
          boost::asio::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(std::min(length, buf.size())));
      {
        std::lock_guard lock(bodies_mutex_);
        bodies_.push_back(body);
      }
      buf.consume(length);
      const reply answer = script_(count_++, head, body);
      if (!answer.bytes.empty()) boost::asio::write(socket, boost::asio::buffer(answer.bytes), ec);
      if (!ec && !answer.then.empty()) {
        for (auto waited = std::chrono::milliseconds(0); waited < answer.pause && !stopping_;
             waited += std::chrono::milliseconds(10)) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        boost::asio::write(socket, boost::asio::buffer(answer.then), ec);
      }
      while (!ec && answer.more && !stopping_) {
        const auto next = answer.more(stopping_);
        if (!next) break;
        boost::asio::write(socket, boost::asio::buffer(*next), ec);
      }
      if (ec || !answer.keep_open) {
        socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        return;
      }
    }
  }

  body_script script_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> count_{0};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
  // Apart from mutex_, which the destructor holds while it joins the workers.
  mutable std::mutex bodies_mutex_;
  std::vector<std::string> bodies_;
};

}  // namespace mesoshttp::test
