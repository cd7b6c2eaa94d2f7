#include "ui/chatpane.h"

#include "application/app.h"
#include "ui/chat/composer.h"
#include "ui/chat/conversationlist.h"
#include "image/imageattachment.h"
#include "ui/imageviewer.h"
#include "ui/inlinebanner.h"
#include "ui/screenshotcontroller.h"
#include "core/settingkeys.h"
#include "ui/chat/transcriptview.h"
#include "ui/voicerow.h"

#include <QAction>
#include <QDropEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

namespace Llamadesk
{
ChatPane::ChatPane(App &app, ScreenshotController *screenshots, QWidget *parent)
    : QWidget(parent)
    , m_chat(app.chat())
    , m_server(app.server())
    , m_voice(app.voice())
    , m_screenshots(screenshots)
    , m_list(new ConversationList(this))
    , m_transcript(new TranscriptView(this))
    , m_composer(new Composer(this))
    , m_banner(new InlineBanner(this))
    , m_systemPrompt(new QLineEdit(this))
    , m_voiceRow(new VoiceRow(m_voice, this))
{
    setObjectName(QStringLiteral("chatPane"));
    m_transcript->setEmptyText(tr("Ask anything. Answers stream in as the model writes them."));
    m_transcript->setAttachmentSource([this](const AttachmentInfo &info) {
        const std::optional<MessageAttachment> attachment = m_chat.attachment(info);
        return attachment ? attachment->data : QByteArray();
    });
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
    rightLayout->addWidget(m_voiceRow);
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

    bindChat();
    bindVoice();
    bindScreenshots();
    app.voiceHotkey().apply();
    app.screenshotHotkey().apply();
    connect(&app.screenshotHotkey(), &SettingHotkey::pressed, this, [this] {
        if (m_screenshots && m_composer->isImageInputEnabled())
            m_screenshots->capture(ScreenshotMode::Region);
    });
    m_chat.openMostRecent();
}

ChatPane::~ChatPane() = default;

void ChatPane::bindChat()
{
    auto *newChat = new QAction(tr("New chat"), this);
    newChat->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    addAction(newChat);
    connect(newChat, &QAction::triggered, &m_chat, &ChatController::newConversation);

    // Widgets → controller.
    connect(m_composer, &Composer::sendRequested, this, [this](const QString &text, const QList<MessageAttachment> &attachments) {
        if (!m_chat.send(text, attachments)) { // nothing is lost
            m_composer->setText(text);
            m_composer->setAttachments(attachments);
        }
    });
    connect(m_composer, &Composer::stopRequested, &m_chat, &ChatController::stop);
    connect(m_composer, &Composer::imageFilesOffered, &m_chat, &ChatController::addImageFiles);
    connect(m_composer, &Composer::imagePasted, &m_chat, &ChatController::addImage);
    connect(m_composer, &Composer::imageDataPasted, &m_chat, &ChatController::addImageData);
    connect(m_composer, &Composer::imageRejected, this,
            [this](const QString &reason) { m_banner->showNotice({Notice::Level::Info, reason}); });
    connect(m_transcript, &TranscriptView::imageActivated, this, &ChatPane::openImage);
    connect(m_transcript, &TranscriptView::regenerateRequested, &m_chat, &ChatController::regenerate);
    connect(m_transcript, &TranscriptView::editRequested, this, [this](qint64 id) {
        if (const std::optional<EditDraft> draft = m_chat.startEdit(id)) {
            m_composer->setText(draft->text);
            m_composer->setAttachments(draft->images);
            m_composer->editor()->setFocus();
        }
    });
    connect(m_systemPrompt, &QLineEdit::editingFinished, this, [this] { m_chat.setSystemPrompt(m_systemPrompt->text()); });
    connect(m_list, &ConversationList::conversationActivated, &m_chat, &ChatController::openConversation);
    connect(m_list, &ConversationList::newConversationRequested, &m_chat, &ChatController::newConversation);
    connect(m_list, &ConversationList::renameRequested, &m_chat, &ChatController::rename);
    connect(m_list, &ConversationList::deleteRequested, &m_chat, &ChatController::requestDelete);
    connect(m_list, &ConversationList::searchRequested, this,
            [this](const QString &text) { m_list->setSearchResults(m_chat.search(text)); });
    // Pictures dropped anywhere on the conversation go where pictures dropped on the message box go.
    m_transcript->viewport()->setAcceptDrops(true);
    m_transcript->viewport()->installEventFilter(this);

    // Controller → widgets.
    const auto refreshList = [this] {
        m_list->setConversations(m_chat.conversations());
        m_list->setCurrent(m_chat.currentConversation());
    };
    connect(&m_chat, &ChatController::conversationsChanged, this, refreshList);
    connect(&m_chat, &ChatController::conversationOpened, this, [this](qint64 id, const QList<StoredMessage> &messages) {
        m_transcript->setMessages(messages);
        m_list->setCurrent(id);
        m_systemPrompt->setText(m_chat.systemPrompt());
        m_systemPrompt->setEnabled(m_chat.hasConversation());
        // A new or another chat is opened to write in it; someone going through the list with the
        // arrow keys stays there.
        if (!m_list->hasListFocus())
            m_composer->editor()->setFocus(Qt::OtherFocusReason);
    });
    connect(&m_chat, &ChatController::messageAdded, m_transcript, &TranscriptView::appendMessage);
    connect(&m_chat, &ChatController::messageUpdated, m_transcript, &TranscriptView::updateMessage);
    connect(&m_chat, &ChatController::busyChanged, m_composer, &Composer::setBusy);
    connect(&m_chat, &ChatController::contextUsageChanged, m_composer, &Composer::setContextUsage);
    connect(&m_chat, &ChatController::sendAvailabilityChanged, m_composer, &Composer::setSendEnabled);
    connect(&m_chat, &ChatController::attachmentReady, m_composer, &Composer::addAttachment);
    connect(&m_chat, &ChatController::notice, m_banner, &InlineBanner::showNotice);
    connect(&m_server, &ServerController::stateChanged, this, &ChatPane::updateImageInput);
    connect(&m_server, &ServerController::capabilitiesChanged, this, &ChatPane::updateImageInput);

    refreshList();
    const QString reason = m_chat.sendUnavailableReason();
    m_composer->setSendEnabled(reason.isEmpty(), reason);
    m_composer->setContextUsage(m_chat.contextUsed(), m_chat.contextSize());
    m_systemPrompt->setEnabled(m_chat.hasConversation());
}

void ChatPane::bindVoice()
{
    VoiceInput &input = m_voice.input();
    connect(m_composer, &Composer::attachmentsChanged, this,
            [this] { m_voice.setImagesAttached(!m_composer->attachments().isEmpty()); });
    connect(&m_voice, &VoiceController::notice, m_banner, &InlineBanner::showNotice);
    connect(&m_voice, &VoiceController::noticeWithdrawn, m_banner, &InlineBanner::withdraw);
    connect(&m_voice, &VoiceController::saveClipRequested, this, &ChatPane::saveClip);
    connect(&m_voice, &VoiceController::transcriptForComposer, this, [this](const QString &text) {
        m_composer->editor()->insertPlainText(text);
        m_composer->editor()->setFocus();
    });
    input.setClipConsumer([this](const AudioClip &clip) { return sendSpokenQuestion(clip); });
    // Push-to-talk keys reach the window wherever the focus is.
    window()->installEventFilter(this);
}

void ChatPane::bindScreenshots()
{
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
    updateImageInput();
    if (!m_screenshots)
        return;
    connect(m_composer, &Composer::screenshotRequested, m_screenshots, &ScreenshotController::capture);
    connect(m_screenshots, &ScreenshotController::captured, this, [this](const MessageAttachment &attachment) {
        m_composer->addAttachment(attachment);
        bringWindowForward();
    });
    connect(m_screenshots, &ScreenshotController::failed, this,
            [this](const QString &message) { m_banner->showNotice({Notice::Level::Error, message}); });
    // "Active window" needs a window manager that says which window is active: asked each time
    // the menu opens, since window managers come and go.
    if (QMenu *menu = m_composer->screenshotButton()->menu()) {
        menu->setToolTipsVisible(true);
        connect(menu, &QMenu::aboutToShow, this, [this, menu] {
            for (QAction *action : menu->actions()) {
                if (action->objectName() != u"screenshotWindowAction")
                    continue;
                const QString reason = m_screenshots->unsupportedReason(ScreenshotMode::Window);
                action->setEnabled(reason.isEmpty());
                action->setToolTip(reason.isEmpty() ? action->text() : reason);
            }
        });
    }
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

QToolButton *ChatPane::micButton() const
{
    return m_voiceRow->micButton();
}

QLabel *ChatPane::recordingLabel() const
{
    return m_voiceRow->recordingLabel();
}

void ChatPane::updateImageInput()
{
    const QString reason = m_server.imageUnavailableReason();
    m_composer->setImageInputEnabled(reason.isEmpty(), reason);
}

bool ChatPane::eventFilter(QObject *watched, QEvent *event)
{
    // (Drops are handed over as data: Qt sends a drag's later events to whichever widget took its start.)
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
    if (event->type() == QEvent::KeyPress || event->type() == QEvent::KeyRelease) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (m_voice.handleKey(event->type() == QEvent::KeyPress, key->key(), key->modifiers(), key->isAutoRepeat()))
            return true;
    } else if (event->type() == QEvent::WindowDeactivate) {
        m_voice.handleFocusLost();
    }
    return QWidget::eventFilter(watched, event);
}

void ChatPane::saveClip(const AudioClip &clip)
{
    auto *dialog = new QFileDialog(this, tr("Save the recording"), QString(), tr("WAV audio (*.wav)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("wav"));
    connect(dialog, &QFileDialog::fileSelected, this, [this, clip](const QString &path) { m_voice.saveClip(clip, path); });
    dialog->open();
}

void ChatPane::openImage(qint64 messageId, int index)
{
    const std::optional<MessageAttachment> attachment = m_chat.attachment(messageId, index);
    if (!attachment || !attachment->isImage())
        return;
    auto *viewer = new ImageViewer(ImageAttachment::decode(*attachment),
                                   attachment->name.isEmpty() ? tr("Image") : attachment->name, this);
    viewer->show();
}

bool ChatPane::sendSpokenQuestion(const AudioClip &clip)
{
    // Voice about the screen: with images in the composer, the recording is the question.
    if (!m_chat.sendSpokenQuestion(m_composer->text(), m_composer->attachments(), clip))
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
} // namespace Llamadesk
