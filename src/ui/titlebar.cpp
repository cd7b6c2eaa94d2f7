#include "ui/titlebar.h"

#include "core/models/modelname.h"
#include "ui/statusdot.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

namespace Llamadesk
{
TitleBar::TitleBar(QWidget *parent)
    : QWidget(parent)
    , m_dot(new StatusDot(this))
    , m_model(new QLabel(this))
    , m_models(new QToolButton(this))
    , m_activity(new QLabel(this))
    , m_busy(new QProgressBar(this))
{
    setObjectName(QStringLiteral("titleBar"));
    setFixedHeight(Height);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::AlternateBase);

    auto *name = new QLabel(tr("Llamadesk"), this);
    QFont bold = name->font();
    bold.setBold(true);
    name->setFont(bold);
    m_model->setObjectName(QStringLiteral("modelLabel"));
    m_model->setForegroundRole(QPalette::PlaceholderText);
    m_model->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_models->setObjectName(QStringLiteral("modelsButton"));
    m_models->setText(tr("Models…"));
    m_models->setToolTip(tr("The models on this computer: choose the one the server runs"));
    m_models->setAutoRaise(true);
    m_activity->setObjectName(QStringLiteral("activityLabel"));
    m_busy->setObjectName(QStringLiteral("busyIndicator"));
    m_busy->setRange(0, 0); // indeterminate: llama-server prints stages, not percentages
    m_busy->setTextVisible(false);
    m_busy->setFixedSize(80, 8);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(Margin - (m_dot->sizeHint().width() - StatusDot::Diameter) / 2, 0, Margin, 0);
    layout->setSpacing(8);
    layout->addWidget(m_dot);
    layout->addWidget(name);
    layout->addWidget(m_model, 1);
    layout->addWidget(m_activity);
    layout->addWidget(m_models);
    layout->addWidget(m_busy);

    connect(m_dot, &StatusDot::clicked, this, &TitleBar::settingsRequested);
    connect(m_models, &QToolButton::clicked, this, &TitleBar::modelsRequested);
    setModel({});
    setActivity({});
}

void TitleBar::setActivity(const QString &text)
{
    m_activity->setText(text);
    m_activity->setVisible(!text.isEmpty());
    m_busy->setVisible(!text.isEmpty());
}

QString TitleBar::activityText() const
{
    return m_activity->isVisibleTo(this) ? m_activity->text() : QString();
}

QToolButton *TitleBar::modelsButton() const
{
    return m_models;
}

StatusDot *TitleBar::statusDot() const
{
    return m_dot;
}

void TitleBar::setModel(const QString &modelPath)
{
    if (modelPath.isEmpty()) {
        m_model->setText(tr("No model selected"));
        m_model->setToolTip(tr("Choose a model with Models…, and llama-server with the status dot"));
    } else {
        m_model->setText(modelAlias(modelPath)); // the name answers carry (--alias)
        m_model->setToolTip(modelPath);
    }
}

QString TitleBar::modelText() const
{
    return m_model->text();
}
} // namespace Llamadesk
