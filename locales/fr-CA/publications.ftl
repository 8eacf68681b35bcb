# Publications, réponses, veille, étiquettes et notifications.

nav-notifications = Notifications

publication-kind-discussion = Discussion
publication-kind-question = Question
publication-kind-watch = Veille
publication-new-title = Nouvelle publication
publication-field-kind = Type de publication
publication-field-link = Lien à partager (veille)
publication-hint-link = Pour une veille seulement : l’adresse de la page. Un aperçu (titre, description, image) sera conservé ici.
publication-field-title = Titre
publication-hint-title = 200 caractères au plus. Pour une veille, laissez vide pour reprendre le titre de la page.
publication-field-body = Texte
publication-hint-body = Markdown accepté : **gras**, *italique*, listes, liens, @nom pour mentionner quelqu’un, #mot pour étiqueter.
publication-field-tags = Étiquettes
publication-hint-tags = Séparées par des virgules, par exemple : économie sociale, logement. Les #mots du texte s’ajoutent d’eux-mêmes.
publication-hint-tags-suggest = Des étiquettes déjà utilisées vous sont proposées pendant la saisie.
publication-suggest-tags = Suggérer des étiquettes
publication-suggest-tags-hint = Le bouton « Suggérer des étiquettes » propose les étiquettes qui commencent par la dernière saisie, sans rien publier ni perdre de ce que vous avez écrit.
publication-browse-tags = Parcourir toutes les étiquettes (nouvel onglet)
publication-tags-suggestions-found = Des étiquettes existantes sont proposées dans la liste du champ.
publication-tags-suggestions-none = Aucune étiquette existante ne commence ainsi : elle sera créée.
publication-tag-added = Étiquette ajoutée : { $name }.
publication-tags-most-used = Étiquettes les plus utilisées (choisissez-en une pour l’ajouter) :
publication-tags-starting-with = Étiquettes commençant par « { $name } » (choisissez-en une pour l’ajouter) :
publication-tags-no-match = Aucune étiquette existante ne commence ainsi : elle sera créée à la publication.
publication-field-communities = Communautés
publication-hint-communities = Cochez au moins une communauté où vous pouvez publier. La publication et ses réponses seront les mêmes partout.
publication-field-files = Pièces jointes
publication-hint-files = Jusqu’à 5 fichiers de 10 Mo au plus : PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, TXT, CSV, PNG, JPEG, WebP ou GIF.
publication-hint-files-room = { $count ->
    [0] Cette publication a déjà 5 pièces jointes : retirez-en pour en ajouter.
    [one] Vous pouvez encore ajouter { $count } fichier de 10 Mo au plus.
   *[other] Vous pouvez encore ajouter { $count } fichiers de 10 Mo au plus.
}
publication-files-again = Les fichiers choisis n’ont pas été conservés : choisissez-les de nouveau avant d’envoyer.
publication-publish = Publier
publication-no-community = Pour publier, il faut être membre d’au moins une communauté active.
publication-find-communities = Trouver des communautés
publication-kind-invalid = Choisissez un type de publication.
publication-title-too-long = Le titre doit compter au plus 200 caractères.
publication-body-too-long = Ce texte est trop long (100 000 octets au plus).
publication-tag-invalid = Une étiquette ne peut contenir que des lettres, des chiffres, des espaces, « - » ou « _ » (100 caractères au plus).
publication-tags-too-many = Choisissez au plus 10 étiquettes.
publication-community-required = Choisissez au moins une communauté.
publication-community-forbidden = Vous ne pouvez pas publier dans l’une des communautés choisies.
publication-already-shared-title = Ce lien a déjà été partagé
publication-already-shared-in = Déjà partagé dans
publication-add-to-community = Ajouter à une autre communauté
publication-open-existing = Voir la publication
publication-locked = Cette discussion est verrouillée : on ne peut plus y répondre.
publication-locked-badge = Verrouillée
publication-edited-on = modifié le { $date }
publication-link-label = Lien partagé
publication-preview-failed = Aperçu non récupéré :
publication-attachments = Pièces jointes
publication-tags = Étiquettes
publication-shared-in = Partagée dans
publication-share-label = Partager aussi dans
publication-share-button = Ajouter
publication-follow = Suivre
publication-unfollow = Ne plus suivre
publication-edit = Modifier
publication-delete = Supprimer
publication-delete-confirm = Supprimer définitivement
publication-delete-title = Supprimer la publication
publication-delete-text = « { $name } » sera supprimée pour tout le monde, avec son texte, ses versions antérieures et ses pièces jointes.
publication-edit-title = Modifier la publication
publication-remove-attachment = Retirer « { $name } »
publication-history-title = Historique des modifications
publication-back = Retour à la publication
publication-reply-count = { $count ->
    [0] Aucune réponse
    [one] { $count } réponse
   *[other] { $count } réponses
}
publication-see-accepted = Voir la réponse acceptée
publication-former-member = Ancien membre
publication-status-hidden = Masquée par la modération
publication-status-removed = Retirée par la modération
publication-status-deleted = Supprimée
publication-removed-title = Publication retirée
publication-removed-text = Votre publication a été retirée par la modération.
publication-removed-reason = Motif :
publication-removed-no-reason = Aucun motif n’a été précisé.
publication-last-activity = activité :
publication-pagination-label = Pages
publication-previous = Page précédente
publication-next = Page suivante
publication-page = Page { $count }

reply-field-body = Votre réponse
reply-send = Répondre
reply-answer = Répondre
reply-to-label = Réponse à { $name }
reply-by = Réponse de { $name }
reply-in-reply-to = en réponse à { $name }
reply-edited = modifiée
reply-edit = Modifier
reply-delete = Supprimer
reply-edit-title = Modifier la réponse
reply-delete-title = Supprimer la réponse
reply-delete-text = La réponse sera remplacée par la mention « réponse supprimée »; les réponses qui la suivent restent en place.
reply-history-title = Historique de la réponse
reply-deleted = Réponse supprimée.
reply-moderated = Réponse retirée par la modération.
reply-accepted = Réponse acceptée
reply-accept = Marquer comme réponse acceptée
reply-unaccept = Retirer la réponse acceptée
reply-login = Connectez-vous pour répondre.
reply-not-member = Seuls les membres des communautés où elle est partagée peuvent répondre.
reply-parent-gone = La réponse visée n’est plus disponible.

history-current = Version actuelle
history-earlier = Version antérieure
history-by = par { $name }

attachment-refused = « { $name } » :
attachment-unnamed = fichier sans nom
attachment-too-large = ce fichier dépasse 10 Mo.
attachment-empty = ce fichier est vide.
attachment-too-many = Joignez au plus 5 fichiers.
attachment-type-refused = ce type de fichier n’est pas accepté (PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, TXT, CSV, PNG, JPEG, WebP ou GIF; le type est reconnu d’après le contenu du fichier).

tag-title = Étiquette #{ $name }
tag-ordering = Publications classées par activité, la plus récente d’abord (nouvelle réponse ou publication). Seules celles que vous pouvez lire sont affichées.
tag-empty = Aucune publication que vous pouvez lire ne porte cette étiquette.

notifications-title = Notifications
notifications-unread = { $count ->
    [0] Aucune notification non lue.
    [one] { $count } notification non lue.
   *[other] { $count } notifications non lues.
}
notifications-ordering = Regroupées par publication, les non lues d’abord, puis les plus récentes.
notifications-unread-badge = { $count ->
    [one] { $count } non lue
   *[other] { $count } non lues
}
notifications-mark-all = Tout marquer comme lu
notifications-mark-one = marquer comme lue
notifications-empty = Rien de nouveau pour l’instant.
notification-mention = { $name } a mentionné votre nom
notification-reply = { $name } vous a répondu
notification-followed-reply = { $name } a répondu dans une publication que vous suivez
notification-join-request = { $name } demande à rejoindre une communauté que vous animez
notification-join-approved = Votre demande d’adhésion a été acceptée
notification-join-refused = Votre demande d’adhésion a été refusée
notification-moderation = Une décision de modération vous concerne
notification-community-approved = Votre communauté a été approuvée
notification-community-request = { $name } demande la création d’une communauté
notification-community-refused = Votre demande de communauté a été refusée
notification-other = Nouvelle activité
notification-untitled = Sans titre

flash-publication-created = Publication envoyée.
flash-publication-created-no-preview = Publication envoyée, sans aperçu du lien.
flash-publication-saved = Publication enregistrée. La version précédente est conservée dans l’historique.
flash-publication-deleted = Publication supprimée.
flash-publication-shared = Publication ajoutée à la communauté.
flash-publication-already-there = La publication y était déjà.
flash-reply-saved = Réponse enregistrée.
flash-reply-deleted = Réponse supprimée.
flash-answer-accepted = Réponse acceptée.
flash-answer-cleared = Réponse acceptée retirée.
publication-report = Signaler
rate-limited-publications = Vous avez publié beaucoup en peu de temps. Vous pourrez publier de nouveau dans { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}. Ce que vous avez écrit est conservé ci-dessous.
rate-limited-replies = Vous avez envoyé beaucoup de réponses en peu de temps. Vous pourrez répondre de nouveau dans { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}. Votre réponse est conservée ci-dessous.
reply-order = Les fils de discussion les plus anciens d’abord, chacun avec toutes ses réponses, { $count } fils par page, sans classement par popularité.
reply-page-of = Page { $page } sur { $pages }.
reply-pages-label = Pages de réponses
reply-page-prev = ← Réponses précédentes
reply-page-next = Réponses suivantes →
publication-pin = Épingler dans { $name }
publication-unpin = Désépingler de { $name }
flash-publication-pinned = Publication épinglée : elle paraît en premier sur la page de la communauté.
flash-publication-unpinned = Publication désépinglée.
reply-quote = Citer
reply-quote-wrote = { $name } a écrit :
reply-quote-publication = Citer la publication
compose-preview = Prévisualiser
compose-preview-title = Aperçu
compose-preview-hint = Voici votre publication telle qu’elle sera affichée. Rien n’est encore publié.
compose-preview-no-title = (sans titre)
compose-draft-save = Enregistrer le brouillon
compose-draft-discard = Supprimer le brouillon
compose-draft-saved = Brouillon enregistré le
compose-draft-autosaved = Brouillon enregistré automatiquement à
compose-mention-suggestions = Mentionner :
flash-draft-discarded = Brouillon supprimé.
