"""Services of the trading centre: electronic archives (R13.2); venues, fees and service ratings later."""
