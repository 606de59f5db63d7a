#include "tcp_proxy.hpp"

#include <array>
#include <future>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace mesoshttp::test {

namespace {

using boost::asio::ip::tcp;
using socket_ptr = std::shared_ptr<tcp::socket>;

// Copies one direction; closing both ends on any end, so a half-dead pair
// never lingers.
void pump(socket_ptr from, socket_ptr to) {
  auto buffer = std::make_shared<std::array<char, 16384>>();
  from->async_read_some(boost::asio::buffer(*buffer), [from, to, buffer](boost::system::error_code ec, std::size_t n) {
    if (ec) {
      boost::system::error_code ignored;
      from->close(ignored);
      to->close(ignored);
      return;
    }
    boost::asio::async_write(*to, boost::asio::buffer(*buffer, n),
                             [from, to, buffer](boost::system::error_code wec, std::size_t) {
                               if (wec) {
                                 boost::system::error_code ignored;
                                 from->close(ignored);
                                 to->close(ignored);
                                 return;
                               }
                               pump(from, to);
                             });
  });
}

}  // namespace

tcp_proxy::tcp_proxy(std::uint16_t upstream_port)
    : acceptor_(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)), upstream_(upstream_port) {
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

tcp_proxy::~tcp_proxy() {
  io_.stop();
  thread_.join();
}

void tcp_proxy::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket accepted) {
    if (ec) return;
    auto client = std::make_shared<tcp::socket>(std::move(accepted));
    if (cut_) {
      boost::system::error_code ignored;
      client->close(ignored);
    } else {
      auto server = std::make_shared<tcp::socket>(io_);
      sockets_.push_back(client);
      sockets_.push_back(server);
      server->async_connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), upstream_),
                            [client, server](boost::system::error_code cec) {
                              if (cec) {
                                boost::system::error_code ignored;
                                client->close(ignored);
                                return;
                              }
                              pump(client, server);
                              pump(server, client);
                            });
    }
    accept();
  });
}

void tcp_proxy::set_cut(bool cut) {
  std::promise<void> done;
  boost::asio::post(io_, [&] {
    cut_ = cut;
    if (cut) {
      for (auto& weak : sockets_)
        if (auto s = weak.lock()) {
          boost::system::error_code ignored;
          s->close(ignored);
        }
      sockets_.clear();
    }
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace mesoshttp::test
