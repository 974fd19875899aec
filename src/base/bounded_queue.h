// A bounded queue between one producing and one consuming thread: the
// producer waits while `depth` items are queued, so memory stays bounded
// whatever the input's size. The producer ends with Close(status); the
// consumer may Stop() early, after which Push refuses and the producer
// should finish.
//
// Thread safety: every member may be called from either thread.
#ifndef DALIL_BASE_BOUNDED_QUEUE_H_
#define DALIL_BASE_BOUNDED_QUEUE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>

#include "base/status.h"

namespace dalil {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t depth) : depth_(depth) {}

  // Producer: queues `item`; false when the consumer has stopped.
  bool Push(T item) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return q_.size() < depth_ || stopped_; });
    if (stopped_) return false;
    q_.push_back(std::move(item));
    cv_.notify_all();
    return true;
  }
  // Producer: nothing more will come; `s` is how producing ended.
  void Close(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    status_ = std::move(s);
    cv_.notify_all();
  }
  // Consumer: the next item; false at the end, `*status` then holds the
  // producer's result.
  bool Pop(T* item, Status* status) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) {
      *status = status_;
      return false;
    }
    *item = std::move(q_.front());
    q_.pop_front();
    cv_.notify_all();
    return true;
  }
  // Consumer: gives up; the producer's next Push returns false.
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }

 private:
  const size_t depth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> q_;
  bool closed_ = false, stopped_ = false;
  Status status_;
};

}  // namespace dalil

#endif  // DALIL_BASE_BOUNDED_QUEUE_H_
