#pragma once

#include "server/serverstate.h"

#include <QAbstractButton>

namespace Llamadesk
{
// The coloured dot in the title bar: the server's state at a glance, and the way into the
// settings. Clicking it emits clicked().
class StatusDot final : public QAbstractButton
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatusDot)

public:
    static constexpr int Diameter = 14;

    explicit StatusDot(QWidget *parent = nullptr);

    ServerState state() const;
    QColor color() const;
    // detail: what the tooltip says below the state (model, address, last error...).
    void setState(ServerState state, const QString &detail = {});

    QSize sizeHint() const override;

    static QColor colorFor(StatusColor color);

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    ServerState m_state = ServerState::Unknown;
};
} // namespace Llamadesk
