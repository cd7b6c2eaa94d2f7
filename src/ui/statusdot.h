#pragma once

#include "core/server/serverstate.h"

#include <QAbstractButton>

#include <functional>

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
    // Called each time the tooltip is about to show, for details that change by themselves
    // (uptime); its text goes below the state.
    void setDetailProvider(std::function<QString()> provider);

    static QColor colorFor(StatusColor color);

protected:
    bool event(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    void updateToolTip();

    ServerState m_state = ServerState::Unknown;
    QString m_detail;
    std::function<QString()> m_detailProvider;
};
} // namespace Llamadesk
