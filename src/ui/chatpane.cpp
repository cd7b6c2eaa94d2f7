#include "chatpane.h"

#include "chat/chatclient.h"
#include "chat/chatsession.h"
#include "chat/chatstore.h"
#include "composer.h"
#include "conversationlist.h"
#include "inlinebanner.h"
#include "media/transcription.h"
#include "server/serversupervisor.h"
#include "settingkeys.h"
#include "settings.h"
#include "transcriptview.h"

#include "globalhotkey.h"
#include "imageattachment.h"
#include "imageviewer.h"
#include "screenshotcontroller.h"
#include "voiceinput.h"

#include <QAction>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QToolButton>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

namespace Llamadesk
{
ChatPane::ChatPane(ChatStore &store, ChatSession &session, ChatClient &client, ServerSupervisor &supervisor,
                   const Settings &settings, QWidget *parent)
    : QWidget(parent)
    , m_store(store)
    , m_session(session)
    , m_client(client)
    , m_supervisor(supervisor)
    , m_settings(settings)
    , m_list(new ConversationList(this))
    , m_transcript(new TranscriptView(this))
    , m_composer(new Composer(this))
    , m_banner(new InlineBanner(this))
    , m_systemPrompt(new QLineEdit(this))
    , m_mic(new QToolButton(this))
    , m_recording(new QLabel(this))
    , m_level(new QProgressBar(this))
{
    setObjectName(QStringLiteral("chatPane"));
    m_transcript->setEmptyText(tr("Ask anything. Answers stream in as the model writes them."));
    m_systemPrompt->setObjectName(QStringLiteral("systemPromptEdit"));
    m_systemPrompt->setPlaceholderText(tr("System prompt for this chat (optional)"));
    m_systemPrompt->setToolTip(tr("Sent before the conversation with every question of this chat. "
                                  "The default for new chats is in the settings."));
    m_systemPrompt->setClearButtonEnabled(true);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->setSpacing(0);
    auto *bannerRow = new QVBoxLayout;
    bannerRow->setContentsMargins(10, 6, 10, 0);
    bannerRow->addWidget(m_banner);
    bannerRow->addWidget(m_systemPrompt);
    rightLayout->addLayout(bannerRow);
    rightLayout->addWidget(m_transcript, 1);
    m_mic->setObjectName(QStringLiteral("micButton"));
    m_mic->setText(tr("Hold to talk"));
    m_mic->setEnabled(false);
    m_recording->setObjectName(QStringLiteral("recordingLabel"));
    m_recording->hide();
    m_level->setObjectName(QStringLiteral("levelMeter"));
    m_level->setRange(0, 100);
    m_level->setTextVisible(false);
    m_level->setFixedSize(80, 6);
    m_level->hide();
    auto *voiceRow = new QHBoxLayout;
    voiceRow->setContentsMargins(10, 0, 10, 0);
    voiceRow->addWidget(m_mic);
    voiceRow->addWidget(m_recording);
    voiceRow->addWidget(m_level);
    voiceRow->addStretch(1);
    rightLayout->addLayout(voiceRow);
    rightLayout->addWidget(m_composer);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_list);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({240, 660});
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);
    // Focus given to the chat is focus in the message box: where the user types.
    setFocusProxy(m_composer->editor());

    auto *newChat = new QAction(tr("New chat"), this);
    newChat->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    addAction(newChat);
    connect(newChat, &QAction::triggered, &m_session, &ChatSession::newConversation);
    auto *screenshot = new QAction(tr("Ask about a screen region"), this);
    screenshot->setObjectName(QStringLiteral("screenshotAction"));
    screenshot->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    screenshot->setShortcutContext(Qt::WindowShortcut);
    // Held down, the keys repeat; one press is one screenshot.
    screenshot->setAutoRepeat(false);
    addAction(screenshot);
    connect(screenshot, &QAction::triggered, this, [this] {
        if (m_screenshots && m_composer->isImageInputEnabled())
            m_screenshots->capture(ScreenshotMode::Region);
    });

    // Widgets → session and store.
    connect(m_composer, &Composer::sendRequested, this, &ChatPane::send);
    connect(m_composer, &Composer::stopRequested, &m_session, &ChatSession::stop);
    m_transcript->viewport()->setAcceptDrops(true);
    m_transcript->viewport()->installEventFilter(this);
    connect(m_composer, &Composer::attachmentsChanged, this, &ChatPane::updateMic);
    connect(m_composer, &Composer::imageFilesOffered, this, &ChatPane::addImageFiles);
    connect(m_composer, &Composer::imagePasted, this, &ChatPane::addImage);
    connect(m_composer, &Composer::imageDataPasted, this, &ChatPane::addImageData);
    connect(m_composer, &Composer::imageRejected, this,
            [this](const QString &reason) { m_banner->showMessage(InlineBanner::Level::Info, reason); });
    connect(m_composer, &Composer::screenshotRequested, this, [this](ScreenshotMode mode) {
        if (m_screenshots)
            m_screenshots->capture(mode);
    });
    connect(m_transcript, &TranscriptView::imageActivated, this, &ChatPane::openImage);
    connect(m_transcript, &TranscriptView::regenerateRequested, this, [this] { m_session.regenerate(); });
    connect(m_transcript, &TranscriptView::editRequested, this, [this](qint64 id) {
        for (const StoredMessage &message : m_session.messages()) {
            if (message.id == id) {
                m_editingId = id;
                m_composer->setText(message.content);
                // Its pictures come along, to keep, remove or add to; a recording stays with it.
                QList<MessageAttachment> images = attachmentsFromJson(message.attachments);
                images.removeIf([](const MessageAttachment &a) { return !a.isImage(); });
                m_composer->setAttachments(images);
                m_composer->editor()->setFocus();
            }
        }
    });
    connect(m_systemPrompt, &QLineEdit::editingFinished, this, [this] {
        const qint64 id = m_session.currentConversation();
        const auto conversation = m_store.conversation(id);
        if (conversation && conversation->systemPrompt != m_systemPrompt->text())
            m_store.setSystemPrompt(id, m_systemPrompt->text());
    });
    connect(m_list, &ConversationList::conversationActivated, &m_session, &ChatSession::openConversation);
    connect(m_list, &ConversationList::newConversationRequested, &m_session, &ChatSession::newConversation);
    connect(m_list, &ConversationList::renameRequested, this, [this](qint64 id, const QString &title) {
        if (m_store.renameConversation(id, title))
            refreshConversations();
    });
    connect(m_list, &ConversationList::deleteRequested, this, &ChatPane::requestDelete);
    connect(m_list, &ConversationList::searchRequested, this,
            [this](const QString &text) { m_list->setSearchResults(m_store.search(text)); });

    // Session → widgets.
    connect(&m_session, &ChatSession::conversationOpened, this,
            [this](qint64 id, const QList<StoredMessage> &messages) {
                m_transcript->setMessages(messages);
                m_list->setCurrent(id);
                const auto conversation = m_store.conversation(id);
                m_systemPrompt->setText(conversation ? conversation->systemPrompt : QString());
                m_systemPrompt->setEnabled(conversation.has_value());
                m_editingId = 0;
                refreshConversations();
                updateContextMeter();
                // A new or another chat is opened to write in it; someone going through the list
                // with the arrow keys stays there.
                if (!m_list->hasListFocus())
                    m_composer->editor()->setFocus(Qt::OtherFocusReason);
            });
    connect(&m_session, &ChatSession::messageAdded, this, [this](const StoredMessage &message) {
        m_transcript->appendMessage(message);
        refreshConversations();
    });
    connect(&m_session, &ChatSession::messageUpdated, m_transcript, &TranscriptView::updateMessage);
    connect(&m_session, &ChatSession::busyChanged, this, [this](bool busy) {
        m_composer->setBusy(busy);
        if (!busy)
            updateContextMeter();
    });
    connect(&m_session, &ChatSession::problem, this,
            [this](const QString &message) { m_banner->showMessage(InlineBanner::Level::Error, message); });

    // The server: where to send, whether sending is possible, what the context is.
    connect(&m_supervisor, &ServerSupervisor::stateChanged, this,
            [this](ServerState state) { onServerStateChanged(state); });
    // Directly, before SIGTERM: an open stream would keep the server alive for 30 s.
    connect(&m_supervisor, &ServerSupervisor::aboutToStop, &m_client, &ChatClient::cancelAll, Qt::DirectConnection);
    connect(&m_client, &ChatClient::propsReceived, this, &ChatPane::onPropsReceived);

    refreshConversations();
    const QList<ConversationSummary> conversations = m_store.conversations();
    if (!conversations.isEmpty())
        m_session.openConversation(conversations.constFirst().id);
    onServerStateChanged(m_supervisor.state());
}

ChatPane::~ChatPane()
{
    commitPendingDeletes();
}

TranscriptView *ChatPane::transcript() const
{
    return m_transcript;
}

Composer *ChatPane::composer() const
{
    return m_composer;
}

ConversationList *ChatPane::conversationList() const
{
    return m_list;
}

InlineBanner *ChatPane::banner() const
{
    return m_banner;
}

QLineEdit *ChatPane::systemPromptEdit() const
{
    return m_systemPrompt;
}

void ChatPane::onServerStateChanged(ServerState state)
{
    if (state != ServerState::Running) {
        m_modelHears = false;
        m_modelSees = false;
    }
    updateMic();
    updateImageInput();
    if (state == ServerState::Running) {
        // The key of the process that runs, not the setting: a key changed while it loaded
        // applies from the next start (the window offers the restart).
        const std::optional<ServerConfig> launched = m_supervisor.launchedConfig();
        m_client.setBaseUrl(m_supervisor.baseUrl());
        m_client.setApiKey(launched ? launched->apiKey : m_settings.get(Keys::ServerApiKey));
        m_client.fetchProps();
        m_composer->setSendEnabled(true);
        return;
    }
    m_composer->setSendEnabled(false, tr("The server is not running (%1)").arg(displayName(state).toLower()));
}

void ChatPane::onPropsReceived(const ServerProps &props)
{
    m_contextSize = props.contextSize;
    m_modelHears = props.audio;
    m_modelSees = props.vision;
    updateContextMeter();
    updateMic();
    updateImageInput();
}

QToolButton *ChatPane::micButton() const
{
    return m_mic;
}

QLabel *ChatPane::recordingLabel() const
{
    return m_recording;
}

void ChatPane::setVoiceInput(VoiceInput *voice, bool microphoneAvailable)
{
    m_voice = voice;
    m_microphone = microphoneAvailable;
    connect(m_mic, &QToolButton::pressed, voice, &VoiceInput::press);
    connect(m_mic, &QToolButton::released, voice, &VoiceInput::release);
    // The dot in front of "Recording" pulses, so that a glance tells the mic is live.
    auto *pulse = new QTimer(this);
    pulse->setInterval(500);
    connect(pulse, &QTimer::timeout, this, [this] {
        QString text = m_recording->text();
        if (text.startsWith(u'\u25cf'))
            text.replace(0, 1, u'\u25cb');
        else if (text.startsWith(u'\u25cb'))
            text.replace(0, 1, u'\u25cf');
        m_recording->setText(text);
    });
    connect(voice, &VoiceInput::recordingChanged, this, [this, pulse](bool recording) {
        m_recording->setVisible(recording);
        m_level->setVisible(recording);
        if (recording) {
            m_recording->setText(tr("\u25cf Recording 0.0 s"));
            m_recording->setStyleSheet(QStringLiteral("color: #c62828;"));
            pulse->start();
        } else {
            pulse->stop();
        }
    });
    connect(voice, &VoiceInput::elapsedChanged, this, [this](double seconds, bool overLimit) {
        const int limit = m_settings.get(Keys::AudioMaxSeconds);
        const QChar dot = m_recording->text().isEmpty() ? QChar(u'\u25cf') : m_recording->text().at(0);
        m_recording->setText(dot + (overLimit ? tr(" Recording %1 s (over %2 s)").arg(seconds, 0, 'f', 1).arg(limit)
                                              : tr(" Recording %1 s").arg(seconds, 0, 'f', 1)));
        m_recording->setStyleSheet(overLimit ? QStringLiteral("color: #e65100; font-weight: bold;")
                                             : QStringLiteral("color: #c62828;"));
    });
    connect(voice, &VoiceInput::levelChanged, this,
            [this](double rms, double) { m_level->setValue(static_cast<int>(std::min(1.0, rms * 4) * 100)); });
    connect(voice, &VoiceInput::transcribingChanged, this, [this](bool busy) {
        m_recording->setVisible(busy);
        if (busy) {
            m_recording->setText(tr("Transcribing\u2026"));
            m_recording->setStyleSheet({});
        }
        updateMic();
    });
    connect(voice, &VoiceInput::transcriptReady, this, &ChatPane::onTranscript);
    connect(voice, &VoiceInput::failed, this, [this](const QString &message, const AudioClip &clip) {
        if (clip.isEmpty())
            m_banner->showMessage(InlineBanner::Level::Error, message);
        else
            offerClip(true, tr("%1 The recording is kept.").arg(message), clip);
    });
    connect(voice, &VoiceInput::transcriptionCancelled, this, [this](const AudioClip &clip) {
        offerClip(false, tr("Transcription cancelled. The recording is kept."), clip);
    });
    connect(voice, &VoiceInput::recordingInterrupted, this, &ChatPane::onRecordingInterrupted);
    voice->setClipConsumer([this](const AudioClip &clip) { return sendSpokenQuestion(clip); });
    window()->installEventFilter(this);
    updateMic();
}

void ChatPane::setGlobalHotkey(GlobalHotkey *hotkey)
{
    connect(hotkey, &GlobalHotkey::pressed, this, [this] {
        if (m_voice && m_mic->isEnabled())
            m_voice->press();
    });
    connect(hotkey, &GlobalHotkey::released, this, [this] {
        if (m_voice)
            m_voice->release();
    });
    followHotkeySetting(hotkey, Keys::AudioGlobalHotkey);
}

void ChatPane::followHotkeySetting(GlobalHotkey *hotkey, SettingKey<bool> key)
{
    const auto apply = [this, hotkey = QPointer<GlobalHotkey>(hotkey), key] {
        if (!hotkey)
            return;
        if (!m_settings.get(key)) {
            hotkey->disable();
            return;
        }
        if (!hotkey->isSupported())
            m_banner->showMessage(InlineBanner::Level::Info, hotkey->unsupportedReason());
        else if (!hotkey->enable())
            m_banner->showMessage(InlineBanner::Level::Warning, hotkey->lastError());
    };
    connect(&m_settings, &Settings::changed, this, [apply, key](const QString &changed) {
        if (changed == key.toString())
            apply();
    });
    apply();
}

void ChatPane::updateMic()
{
    QString reason;
    if (!m_voice || !m_microphone)
        reason = tr("No microphone found");
    else if (m_supervisor.state() != ServerState::Running)
        reason = tr("The server is not running");
    else if (!m_modelHears)
        reason = tr("Voice input needs a model with an audio projector (mmproj), such as Gemma 4 E2B/E4B, "
                    "Ultravox, Qwen2.5-Omni or Voxtral");
    else if (m_voice->isTranscribing())
        reason = tr("Transcribing the last recording");
    m_mic->setEnabled(reason.isEmpty());
    if (!reason.isEmpty())
        m_mic->setToolTip(reason);
    else if (!m_composer->attachments().isEmpty())
        m_mic->setToolTip(tr("Hold to ask about the attached images by voice (or hold Ctrl+Shift+V)"));
    else
        m_mic->setToolTip(tr("Hold to talk (or hold Ctrl+Shift+V); release to transcribe"));
}

bool ChatPane::eventFilter(QObject *watched, QEvent *event)
{
    // Pictures dropped anywhere on the conversation go where pictures dropped on the message box go.
    // (Handed over as data: Qt sends a drag's later events to whichever widget took its start.)
    if (watched == m_transcript->viewport()) {
        if (event->type() == QEvent::DragEnter || event->type() == QEvent::DragMove) {
            auto *drag = static_cast<QDragMoveEvent *>(event); // QDragEnterEvent is one
            if (m_composer->acceptsDrag(drag->mimeData()))
                drag->acceptProposedAction();
            else
                drag->ignore();
            return true;
        }
        if (event->type() == QEvent::Drop) {
            auto *drop = static_cast<QDropEvent *>(event);
            if (m_composer->takeDrop(drop->mimeData()))
                drop->acceptProposedAction();
            else
                drop->ignore();
            return true;
        }
    }
    if (m_voice) {
        if (event->type() == QEvent::KeyPress || event->type() == QEvent::KeyRelease) {
            auto *key = static_cast<QKeyEvent *>(event);
            // Esc stops a transcription (a model repeating itself, the wrong recording). The box
            // keeps what it held: nothing of the transcript is in it until it is complete.
            if (event->type() == QEvent::KeyPress && key->key() == Qt::Key_Escape && m_voice->isTranscribing()) {
                m_voice->cancelTranscription();
                return true;
            }
            const bool combo = key->key() == Qt::Key_V &&
                               (key->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier)) ==
                                   (Qt::ControlModifier | Qt::ShiftModifier);
            if (key->isAutoRepeat() && (combo || (m_keyHeld && key->key() == Qt::Key_V)))
                return true; // held down: one press, one release
            if (event->type() == QEvent::KeyPress && combo && m_mic->isEnabled()) {
                m_keyHeld = true;
                m_voice->press();
                return true;
            }
            // Released in any order (Ctrl may go first): V going up ends it.
            if (event->type() == QEvent::KeyRelease && m_keyHeld && key->key() == Qt::Key_V) {
                m_keyHeld = false;
                m_voice->release();
                return true;
            }
        } else if (event->type() == QEvent::WindowDeactivate && m_keyHeld) {
            // Focus left the window while the key was held: we will never see the release.
            m_keyHeld = false;
            m_voice->release();
        }
    }
    return QWidget::eventFilter(watched, event);
}

void ChatPane::onTranscript(const QString &text, int cutAtTokens)
{
    if (text.isEmpty()) {
        m_banner->showMessage(InlineBanner::Level::Info, tr("The model heard nothing to transcribe."));
        return;
    }
    // A cut transcript is left in the box to be checked, even where it would be sent at once.
    if (cutAtTokens > 0)
        m_banner->showMessage(InlineBanner::Level::Warning, Transcription::cutMessage(cutAtTokens));
    else if (m_settings.get(Keys::AudioSendTranscript) && m_session.send(text))
        return;
    m_composer->editor()->insertPlainText(text);
    m_composer->editor()->setFocus();
}

void ChatPane::offerClip(bool error, const QString &text, const AudioClip &clip)
{
    m_banner->showMessage(error ? InlineBanner::Level::Error : InlineBanner::Level::Info, text, tr("Retry"),
                          tr("Save as WAV\u2026"));
    disconnect(m_banner, &InlineBanner::actionTriggered, this, nullptr);
    disconnect(m_banner, &InlineBanner::secondActionTriggered, this, nullptr);
    connect(m_banner, &InlineBanner::actionTriggered, this, [this, clip] {
        if (m_voice && m_voice->transcribe(clip))
            m_banner->hide();
        else
            m_banner->showMessage(InlineBanner::Level::Info,
                                  tr("Another recording is being transcribed; retry this one when it is done."),
                                  tr("Retry"), tr("Save as WAV\u2026"));
    });
    connect(m_banner, &InlineBanner::secondActionTriggered, this, [this, clip] {
        auto *dialog = new QFileDialog(this, tr("Save the recording"), QString(), tr("WAV audio (*.wav)"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setAcceptMode(QFileDialog::AcceptSave);
        dialog->setDefaultSuffix(QStringLiteral("wav"));
        connect(dialog, &QFileDialog::fileSelected, this, [this, clip](const QString &path) {
            QFile file(path);
            if (!file.open(QIODevice::WriteOnly) || file.write(clip.toWav()) < 0)
                m_banner->showMessage(InlineBanner::Level::Error,
                                      tr("Could not save %1: %2").arg(path, file.errorString()));
        });
        dialog->open();
    });
}

void ChatPane::onRecordingInterrupted(const QString &message, const AudioClip &partial)
{
    m_banner->showMessage(InlineBanner::Level::Warning,
                          Transcription::interruptedQuestion(message, partial.durationSeconds()), tr("Transcribe"),
                          tr("Discard"));
    disconnect(m_banner, &InlineBanner::actionTriggered, this, nullptr);
    disconnect(m_banner, &InlineBanner::secondActionTriggered, this, nullptr);
    connect(m_banner, &InlineBanner::actionTriggered, this, [this, partial] {
        if (!m_voice)
            return;
        if (m_voice->isTranscribing()) {
            m_banner->showMessage(InlineBanner::Level::Info,
                                  tr("Another recording is being transcribed; transcribe this one when it is done."),
                                  tr("Transcribe"), tr("Discard"));
            return;
        }
        m_banner->hide();
        m_voice->submit(partial);
    });
    connect(m_banner, &InlineBanner::secondActionTriggered, this, [this] { m_banner->hide(); });
}

void ChatPane::updateContextMeter()
{
    // What the last answer's request cost: the prompt (the whole history) plus the answer.
    int used = 0;
    const QList<StoredMessage> &messages = m_session.messages();
    for (auto it = messages.crbegin(); it != messages.crend(); ++it) {
        if (it->role == u"assistant" && it->promptTokens > 0) {
            used = it->promptTokens + it->predictedTokens;
            break;
        }
    }
    m_composer->setContextUsage(used, m_contextSize);
}

void ChatPane::send(const QString &text, const QList<MessageAttachment> &attachments)
{
    bool sent = false;
    if (m_editingId != 0) {
        // What the composer holds is the question's picture list now.
        sent = m_session.editAndResend(m_editingId, text, attachments);
        m_editingId = 0;
    } else {
        sent = m_session.send(text, attachments);
    }
    if (!sent) { // nothing is lost
        m_composer->setText(text);
        m_composer->setAttachments(attachments);
    }
}

void ChatPane::setScreenshots(ScreenshotController *screenshots)
{
    m_screenshots = screenshots;
    connect(screenshots, &ScreenshotController::captured, this, [this](const MessageAttachment &attachment) {
        m_composer->addAttachment(attachment);
        bringWindowForward();
    });
    connect(screenshots, &ScreenshotController::failed, this,
            [this](const QString &message) { m_banner->showMessage(InlineBanner::Level::Error, message); });
    // "Active window" needs a window manager that says which window is active: asked each time
    // the menu opens, since window managers come and go.
    if (QMenu *menu = m_composer->screenshotButton()->menu()) {
        menu->setToolTipsVisible(true);
        connect(menu, &QMenu::aboutToShow, this, [this, menu] {
            for (QAction *action : menu->actions()) {
                if (action->objectName() != u"screenshotWindowAction" || !m_screenshots)
                    continue;
                const QString reason = m_screenshots->unsupportedReason(ScreenshotMode::Window);
                action->setEnabled(reason.isEmpty());
                action->setToolTip(reason.isEmpty() ? action->text() : reason);
            }
        });
    }
    updateImageInput();
}

void ChatPane::setScreenshotHotkey(GlobalHotkey *hotkey)
{
    connect(hotkey, &GlobalHotkey::pressed, this, [this] {
        if (m_screenshots && m_composer->isImageInputEnabled())
            m_screenshots->capture(ScreenshotMode::Region);
    });
    followHotkeySetting(hotkey, Keys::VisionGlobalHotkey);
}

void ChatPane::updateImageInput()
{
    QString reason;
    if (m_supervisor.state() != ServerState::Running)
        reason = tr("The server is not running");
    else if (!m_modelSees)
        reason = ChatClient::imageInputUnsupportedMessage();
    m_composer->setImageInputEnabled(reason.isEmpty(), reason);
}

void ChatPane::addImageFiles(const QStringList &paths)
{
    const ImageEncodeOptions options = ImageEncodeOptions::from(m_settings);
    for (const QString &path : paths)
        ImageAttachment::fromFileAsync(path, options, this, [this](const ImageResult &result) { addImageResult(result); });
}

void ChatPane::addImage(const QImage &image)
{
    ImageAttachment::encodeAsync(image, ImageEncodeOptions::from(m_settings), tr("Pasted image"), this,
                                 [this](const ImageResult &result) { addImageResult(result); });
}

void ChatPane::addImageData(const QByteArray &encoded)
{
    ImageAttachment::fromDataAsync(encoded, ImageEncodeOptions::from(m_settings), tr("Pasted image"), this,
                                   [this](const ImageResult &result) { addImageResult(result); });
}

void ChatPane::addImageResult(const ImageResult &result)
{
    if (result.attachment)
        m_composer->addAttachment(*result.attachment);
    else
        m_banner->showMessage(InlineBanner::Level::Error, result.error);
}

void ChatPane::openImage(qint64 messageId, int index)
{
    for (const StoredMessage &message : m_session.messages()) {
        if (message.id != messageId)
            continue;
        const QList<MessageAttachment> attachments = attachmentsFromJson(message.attachments);
        if (index < 0 || index >= attachments.size() || !attachments.at(index).isImage())
            return;
        const MessageAttachment &attachment = attachments.at(index);
        auto *viewer = new ImageViewer(ImageAttachment::decode(attachment),
                                       attachment.name.isEmpty() ? tr("Image") : attachment.name, this);
        viewer->show();
        return;
    }
}

bool ChatPane::sendSpokenQuestion(const AudioClip &clip)
{
    // Voice about the screen: with images in the composer, the recording is the question.
    QList<MessageAttachment> attachments = m_composer->attachments();
    if (attachments.isEmpty() || m_editingId != 0)
        return false;
    attachments.append(MessageAttachment::audio(clip.toWav(), clip.durationSeconds(), tr("Spoken question")));
    const QString text = m_composer->text();
    if (!m_session.send(text, attachments))
        return false;
    m_composer->setText({});
    m_composer->clearAttachments();
    return true;
}

void ChatPane::bringWindowForward()
{
    QWidget *top = window();
    top->show();
    top->raise();
    top->activateWindow();
    m_composer->editor()->setFocus();
}

void ChatPane::refreshConversations()
{
    QList<ConversationSummary> conversations = m_store.conversations();
    conversations.removeIf([this](const ConversationSummary &c) { return m_pendingDeletes.contains(c.id); });
    m_list->setConversations(conversations);
    m_list->setCurrent(m_session.currentConversation());
}

void ChatPane::requestDelete(qint64 id)
{
    // Gone from the list at once, from the disk only when the undo time is over.
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    m_pendingDeletes.insert(id, timer);
    connect(timer, &QTimer::timeout, this, [this, id] {
        delete m_pendingDeletes.take(id);
        m_store.deleteConversation(id);
    });
    timer->start(UndoDeleteMs);
    if (m_session.currentConversation() == id) {
        m_session.openConversation(0);
        m_transcript->setMessages({});
    }
    refreshConversations();
    m_banner->showMessage(InlineBanner::Level::Info, tr("Conversation deleted."), tr("Undo"));
    disconnect(m_banner, &InlineBanner::actionTriggered, this, nullptr);
    connect(m_banner, &InlineBanner::actionTriggered, this, [this, id] {
        if (QTimer *pending = m_pendingDeletes.take(id)) {
            delete pending;
            refreshConversations();
            m_session.openConversation(id);
        }
        m_banner->hide();
    });
}

void ChatPane::commitPendingDeletes()
{
    for (auto it = m_pendingDeletes.cbegin(); it != m_pendingDeletes.cend(); ++it)
        m_store.deleteConversation(it.key());
    qDeleteAll(m_pendingDeletes);
    m_pendingDeletes.clear();
}
} // namespace Llamadesk
