# En-tête, accueil et pages d'erreur (issue 13).
nav-menu = Menu
nav-tags = Étiquettes
nav-publish = Publier
nav-my-menu = Mon menu
nav-my-profile = Mon profil
home-hello = Bonjour, { $name }!
home-welcome = Bienvenue, { $name }!
home-newcomer-lead = Pour commencer, rejoignez une ou deux communautés de votre milieu ou de votre région : leurs publications s’afficheront ici.
home-member-lead = Voici ce qui a bougé dans vos communautés depuis votre dernière visite.
home-publish = Publier
home-my-communities = Mes communautés
home-new = nouveau
home-new-count = { $count ->
    [one] { $count } nouvelle
   *[other] { $count } nouvelles
}
home-first-unread = aller à la première réponse non lue
home-suggested-lead = Vous n’êtes encore membre d’aucune communauté. En voici quelques-unes, actives ces derniers temps :
home-feed-pages = Pages du fil
error-members-hint = Certaines pages sont réservées aux membres : si vous avez un compte, connectez-vous pour la voir.
community-your-role = Votre rôle : { $name }
community-leave-confirm = Vous ne verrez plus ses publications dans votre fil.
community-leave-note-open = Vous pourrez y revenir quand vous voudrez.
community-leave-note-request = Pour revenir, il faudra refaire une demande d’adhésion.
community-leave-note-invitation = Pour revenir, il faudra une nouvelle invitation.
community-leave-yes = Oui, quitter la communauté
community-request-send = Envoyer ma demande
search-filters-active = { $count ->
    [one] { $count } actif
   *[other] { $count } actifs
}
publication-more-actions = Plus d’actions (partager, épingler)
feed-subscribe = S’abonner (fil Atom)
profile-communities = Publie dans
profile-recent = Publications récentes
profile-recent-none = Aucune publication que vous pouvez lire.
