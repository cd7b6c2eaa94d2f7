#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QToolButton;

namespace Llamadesk
{
class App;
class AudioClip;
class ChatController;
class Composer;
class ConversationList;
class InlineBanner;
class ScreenshotController;
class ServerController;
class TranscriptView;
class VoiceController;
class VoiceRow;

// The chat: conversations on the left, the transcript, the voice row and the composer on the
// right. It only binds these widgets to the app's controllers (ChatController, ServerController,
// VoiceController); what to do is decided there.
class ChatPane final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatPane)

public:
    // screenshots: the window's (it hides the window while it grabs); may be null.
    ChatPane(App &app, ScreenshotController *screenshots, QWidget *parent = nullptr);
    ~ChatPane() override;

    TranscriptView *transcript() const;
    Composer *composer() const;
    ConversationList *conversationList() const;
    InlineBanner *banner() const;
    // The current conversation's system prompt (one line; new chats start with the default).
    QLineEdit *systemPromptEdit() const;
    QToolButton *micButton() const;
    QLabel *recordingLabel() const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void bindChat();
    void bindVoice();
    void bindScreenshots();
    void updateImageInput();
    void saveClip(const AudioClip &clip);
    void openImage(qint64 messageId, int index);
    bool sendSpokenQuestion(const AudioClip &clip);
    void bringWindowForward();

    ChatController &m_chat;
    ServerController &m_server;
    VoiceController &m_voice;
    ScreenshotController *m_screenshots;
    ConversationList *m_list;
    TranscriptView *m_transcript;
    Composer *m_composer;
    InlineBanner *m_banner;
    QLineEdit *m_systemPrompt;
    VoiceRow *m_voiceRow;
};
} // namespace Llamadesk
