#pragma once

#include "chat/messageattachment.h"
#include "server/serverstate.h"
#include "settingkeys.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

class QImage;
class QLabel;
class QLineEdit;
class QProgressBar;
class QTimer;
class QToolButton;

namespace Llamadesk
{
class ChatClient;
class ChatSession;
class ChatStore;
class Composer;
class ConversationList;
class InlineBanner;
class ScreenshotController;
class AudioClip;
class ServerSupervisor;
class GlobalHotkey;
class Settings;
class TranscriptView;
class VoiceInput;
struct ImageResult;
struct ServerProps;

// The chat: conversations on the left, the transcript and the composer on the right. Keeps the
// client pointed at the running server, enables sending only while it runs (saying why not
// otherwise), shows the context a conversation really gets (/props), and turns the widgets'
// requests into ChatSession and ChatStore calls.
class ChatPane final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatPane)

public:
    static constexpr int UndoDeleteMs = 8000;

    ChatPane(ChatStore &store, ChatSession &session, ChatClient &client, ServerSupervisor &supervisor,
             const Settings &settings, QWidget *parent = nullptr);
    ~ChatPane() override;

    TranscriptView *transcript() const;
    Composer *composer() const;
    ConversationList *conversationList() const;
    InlineBanner *banner() const;
    // The current conversation's system prompt (one line; new chats start with the default).
    QLineEdit *systemPromptEdit() const;

    // Push-to-talk: the mic button and Ctrl+Shift+V (held) record; the transcript lands in the
    // composer at the cursor, or is sent at once (audio/send_transcript). microphoneAvailable false
    // disables the mic with "No microphone found".
    void setVoiceInput(VoiceInput *voice, bool microphoneAvailable);
    // Ctrl+Shift+V held anywhere on the desktop (see GlobalHotkey); follows audio/global_hotkey.
    void setGlobalHotkey(GlobalHotkey *hotkey);
    QToolButton *micButton() const;
    QLabel *recordingLabel() const;

    // Screenshots: the composer's screenshot button and Ctrl+Shift+S (a region) capture through
    // the controller; the picture lands in the composer as an attachment. Holding push-to-talk
    // while images are attached sends them with the recording as one spoken question.
    void setScreenshots(ScreenshotController *screenshots);
    // Ctrl+Shift+S anywhere on the desktop; follows vision/global_hotkey.
    void setScreenshotHotkey(GlobalHotkey *hotkey);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void onServerStateChanged(ServerState state);
    void onPropsReceived(const ServerProps &props);
    void refreshConversations();
    void updateContextMeter();
    void send(const QString &text, const QList<MessageAttachment> &attachments);
    void requestDelete(qint64 id);
    void commitPendingDeletes();
    void updateMic();
    // Enables the hotkey while the setting is on (now and whenever it changes); problems go to the banner.
    void followHotkeySetting(GlobalHotkey *hotkey, SettingKey<bool> key);
    void onTranscript(const QString &text, int cutAtTokens);
    // A banner whose actions are bound to clip itself: Retry (or Transcribe) sends exactly that
    // clip, Save as WAV writes exactly that clip, whatever was recorded since.
    void offerClip(bool error, const QString &text, const AudioClip &clip);
    void onRecordingInterrupted(const QString &message, const AudioClip &partial);
    void updateImageInput();
    void addImageFiles(const QStringList &paths);
    void addImage(const QImage &image);
    void addImageData(const QByteArray &encoded);
    void addImageResult(const ImageResult &result);
    void openImage(qint64 messageId, int index);
    bool sendSpokenQuestion(const AudioClip &clip);
    void bringWindowForward();

    ChatStore &m_store;
    ChatSession &m_session;
    ChatClient &m_client;
    ServerSupervisor &m_supervisor;
    const Settings &m_settings;
    ConversationList *m_list;
    TranscriptView *m_transcript;
    Composer *m_composer;
    InlineBanner *m_banner;
    QLineEdit *m_systemPrompt;
    QToolButton *m_mic;
    QLabel *m_recording;
    QProgressBar *m_level;
    QPointer<VoiceInput> m_voice;
    QPointer<ScreenshotController> m_screenshots;
    bool m_microphone = false;
    bool m_modelHears = false;
    bool m_modelSees = false;
    bool m_keyHeld = false;
    int m_contextSize = 0;
    qint64 m_editingId = 0;
    QHash<qint64, QTimer *> m_pendingDeletes;
};
} // namespace Llamadesk
