#include "ui/messageboxclipprompt.h"

#include <QCoreApplication>
#include <QMessageBox>
#include <QPushButton>

namespace Llamadesk
{
MessageBoxClipPrompt::MessageBoxClipPrompt(QWidget *parent)
    : m_parent(parent)
{
}

void MessageBoxClipPrompt::askTrim(double seconds, double limitSeconds, std::function<void(bool trim)> answer)
{
    // Window-modal and asynchronous: no nested event loop.
    auto *box = new QMessageBox(QMessageBox::Question, QCoreApplication::translate("VoiceInput", "Recording too long"),
                                question(seconds, limitSeconds), QMessageBox::Ok | QMessageBox::Cancel, m_parent);
    box->setObjectName(QStringLiteral("clipTooLongBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setDefaultButton(QMessageBox::Ok);
    QObject::connect(box, &QMessageBox::finished, box,
                     [box, answer = std::move(answer)](int) { answer(box->clickedButton() == box->button(QMessageBox::Ok)); });
    box->open();
}

} // namespace Llamadesk
