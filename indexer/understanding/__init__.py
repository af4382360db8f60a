"""Understanding a document: text normalisation, cleaning, identity (number, type, issuer, date, title, marking)
and the vocabularies behind them."""
