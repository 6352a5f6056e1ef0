"""SQL, one module per aggregate. Functions take an open connection."""
