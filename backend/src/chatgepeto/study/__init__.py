"""Study tools built from a collection's material: quizzes, flashcards, study guides."""
