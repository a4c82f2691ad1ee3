"""Credit (信用, R8): credit records of market entities and practitioners, the red and black lists derived
from them, and the enforcement other packages call before a download, a bid or a contract."""
