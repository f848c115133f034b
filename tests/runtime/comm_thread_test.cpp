// comm_thread_test.cpp — the communication thread's queue (runtime/src/comm/comm_thread.h,
// internal to libmeshrt, so compiled in): requests run in the order they were started, a
// request's status (an error too) comes back at its wait and only there, unknown requests are
// reported, drain() waits for everything queued, and packing buffers are reused.
#include "comm/comm_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <vector>

using namespace meshrt;

TEST(CommThread, RunsInOrderAndReturnsEachStatusAtItsWait) {
  CommThread thread;
  std::vector<int> order;
  std::atomic<bool> release{false};
  // The first request holds the thread until the test has queued the others.
  ASSERT_TRUE(thread.start(5, [&] {
    while (!release.load())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    order.push_back(5);
    return Status::success();
  }));
  ASSERT_TRUE(thread.start(2, [&] {
    order.push_back(2);
    return Status::error(MESHRT_COMM_ERROR, "injected by the test");
  }));
  ASSERT_TRUE(thread.start(9, [&] {
    order.push_back(9);
    return Status::success();
  }));
  EXPECT_FALSE(thread.start(2, [] { return Status::success(); })) << "2 is still pending";
  release = true;
  std::optional<Status> nine = thread.wait(9); // waited first, finished last
  ASSERT_TRUE(nine.has_value());
  EXPECT_TRUE(nine->ok());
  EXPECT_EQ(order, (std::vector<int>{5, 2, 9}));
  std::optional<Status> two = thread.wait(2);
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->code, MESHRT_COMM_ERROR);
  EXPECT_EQ(two->message, "injected by the test");
  EXPECT_FALSE(thread.wait(2).has_value()) << "a request is forgotten once waited for";
  EXPECT_FALSE(thread.wait(77).has_value());
  std::optional<Status> five = thread.wait(5);
  ASSERT_TRUE(five.has_value());
  EXPECT_TRUE(five->ok());
}

TEST(CommThread, DrainWaitsForEverythingQueued) {
  CommThread thread;
  std::atomic<int> ran{0};
  for (int id = 0; id < 20; ++id)
    ASSERT_TRUE(thread.start(id, [&] {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      ++ran;
      return Status::success();
    }));
  thread.drain();
  EXPECT_EQ(ran.load(), 20);
  for (int id = 0; id < 20; ++id)
    EXPECT_TRUE(thread.wait(id).has_value()) << "statuses stay after a drain";
}

TEST(CommThread, DestructorRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  {
    CommThread thread;
    for (int id = 0; id < 5; ++id)
      thread.start(id, [&] {
        ++ran;
        return Status::success();
      });
  }
  EXPECT_EQ(ran.load(), 5);
}

TEST(CommThread, PackingBuffersAreReused) {
  CommThread thread;
  std::shared_ptr<std::vector<float>> a = thread.takeBuffer(100);
  ASSERT_GE(a->size(), 100u);
  const float *data = a->data();
  thread.giveBuffer(a);
  a.reset();
  std::shared_ptr<std::vector<float>> b = thread.takeBuffer(50);
  EXPECT_EQ(b->data(), data) << "a free buffer big enough is taken again";
  std::shared_ptr<std::vector<float>> c = thread.takeBuffer(10);
  EXPECT_NE(c->data(), b->data()) << "one in use is not handed out twice";
}
