"""ggzy-bid: the bidder's offline sealing, upload and opening-decryption tool."""
