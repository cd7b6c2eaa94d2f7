#pragma once

#include "core/server/serverstate.h"

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace Llamadesk
{
class StatusDot;

// The strip at the top of the window: status dot, app name, current model and the button that
// opens the model picker.
class TitleBar final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TitleBar)

public:
    static constexpr int Height = 40;
    static constexpr int Margin = 10;

    explicit TitleBar(QWidget *parent = nullptr);

    StatusDot *statusDot() const;
    // modelPath empty: "No model selected".
    void setModel(const QString &modelPath);
    QString modelText() const;
    // While the server starts, loads or stops: what it is doing, with a busy indicator.
    // Empty text hides both.
    void setActivity(const QString &text);
    QString activityText() const;
    QToolButton *modelsButton() const;

Q_SIGNALS:
    void settingsRequested();
    void modelsRequested();

private:
    StatusDot *m_dot;
    QLabel *m_model;
    QToolButton *m_models;
    QLabel *m_activity;
    QProgressBar *m_busy;
};
} // namespace Llamadesk
