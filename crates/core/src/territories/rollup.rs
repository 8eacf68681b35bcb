//! Territory pages: what a viewer sees rolled up below a territory.
