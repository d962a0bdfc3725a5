#include "queue/admitter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace herald::queue {

namespace asio = boost::asio;

asio::awaitable<result<admitted>> admitter::admit(admission a) {
    if (queue_.size() >= max_waiting_)
        co_return make_error(errc::backpressure,
                             std::to_string(queue_.size()) + " admissions already wait for Redis");
    asio::steady_timer wake(ex_, asio::steady_timer::time_point::max());
    waiting w{std::move(a), std::nullopt, &wake};
    queue_.push_back(&w);
    if (!flushing_) {
        flushing_ = true;
        asio::co_spawn(ex_, flush(), asio::detached);
    }
    // Cancelled by flush() once the answer is in; spurious wake-ups cannot
    // happen, since nothing else holds the timer.
    while (!w.answer)
        co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return std::move(*w.answer);
}

asio::awaitable<void> admitter::flush() {
    while (!queue_.empty()) {
        std::vector<waiting*> taken;
        std::vector<admission> batch;
        while (!queue_.empty() && taken.size() < max_batch_) {
            taken.push_back(queue_.front());
            queue_.pop_front();
            batch.push_back(std::move(taken.back()->a));
        }
        ++round_trips_;
        std::vector<result<admitted>> answers;
        try {
            answers = co_await producer_.admit_batch(batch);
        } catch (const std::exception& e) {
            answers.assign(batch.size(), make_error(errc::internal, e.what()));
        }
        for (std::size_t i = 0; i < taken.size(); ++i) {
            taken[i]->answer = std::move(answers[i]);
            taken[i]->wake->cancel();
        }
    }
    flushing_ = false;
}

}  // namespace herald::queue
