/**
 * Strings of issue 14 (rich messages: attachments, reactions, Markdown). Spread into core/i18n/en.ts and
 * fr.ts; FR has exactly the keys of EN.
 */
export const RICH_MESSAGES_EN = {
  'rich.attach': 'Attach files',
  'rich.dropHere': 'Drop files to attach them',
  'rich.uploading': 'Uploading {name}',
  'rich.cancelUpload': 'Cancel the upload of {name}',
  'rich.removeFile': 'Remove {name}',
  'rich.tooLarge': 'too large for your plan',
  'rich.planLimit': 'your storage is full',
  'rich.uploadFailed': 'upload failed',
  'rich.tooMany': 'At most 10 files a message.',
  'rich.download': 'Download {name}',
  'rich.openImage': 'Open the image {name}',
  'rich.closeImage': 'Close',
  'rich.openOriginal': 'Open the original',
  'rich.react': 'Add a reaction',
  'rich.reactWith': 'React with {emoji}',
  'rich.reactionTitle': '{n} reacted with {emoji}',
  'rich.reactionTitleMe': 'You reacted with {emoji} ({n} in all); tap to take it back',
  'rich.formatHint': '**bold** _italic_ ~~strike~~ `code` ```block``` > quote',
} satisfies Record<string, string>;

export const RICH_MESSAGES_FR: Record<keyof typeof RICH_MESSAGES_EN, string> = {
  'rich.attach': 'Joindre des fichiers',
  'rich.dropHere': 'Déposez des fichiers pour les joindre',
  'rich.uploading': 'Envoi de {name}',
  'rich.cancelUpload': 'Annuler l’envoi de {name}',
  'rich.removeFile': 'Retirer {name}',
  'rich.tooLarge': 'trop volumineux pour votre offre',
  'rich.planLimit': 'votre espace de stockage est plein',
  'rich.uploadFailed': 'échec de l’envoi',
  'rich.tooMany': 'Au plus 10 fichiers par message.',
  'rich.download': 'Télécharger {name}',
  'rich.openImage': 'Ouvrir l’image {name}',
  'rich.closeImage': 'Fermer',
  'rich.openOriginal': 'Ouvrir l’original',
  'rich.react': 'Ajouter une réaction',
  'rich.reactWith': 'Réagir avec {emoji}',
  'rich.reactionTitle': '{n} ont réagi avec {emoji}',
  'rich.reactionTitleMe': 'Vous avez réagi avec {emoji} ({n} en tout) ; touchez pour la retirer',
  'rich.formatHint': '**gras** _italique_ ~~barré~~ `code` ```bloc``` > citation',
};
