#pragma once

// GoogleTest assertions on ChatStore's results: ASSERT_TRUE(stored(store.open())) fails with
// the store's own sentence.
#include "core/chat/chatstore.h"

#include <gtest/gtest.h>

namespace Llamadesk
{
inline ::testing::AssertionResult stored(const StoreStatus &status)
{
    if (status)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << status.message().toStdString();
}

template<typename T>
::testing::AssertionResult stored(const StoreResult<T> &result)
{
    return stored(result.status());
}
} // namespace Llamadesk
